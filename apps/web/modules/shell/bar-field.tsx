import type { JSX, ReactNode } from 'react';
import formStyles from './form-bar.module.css';

export interface BarFieldProps {
  /** The control's id, which the label points at; its hint and error get `<id>-hint` / `<id>-error`. */
  htmlFor: string;
  label: ReactNode;
  /** A wide text field (a path, an email), or a narrow one (a number). */
  size?: 'wide' | 'narrow';
  /** Under the control while there is no error, e.g. what an empty field means. */
  hint?: ReactNode;
  /** Why the value would be refused; shown instead of the hint. */
  error?: string;
  /** The control (give it `aria-describedby={fieldNoteId(…)}`), then anything else under it. */
  children: ReactNode;
}

const SIZE_CLASS = { wide: formStyles.fieldWide, narrow: formStyles.fieldNarrow } as const;

/** The id of the note under a {@link BarField}'s control: its error, else its hint, else none. */
export function fieldNoteId(htmlFor: string, error: string | undefined, hint?: ReactNode): string | undefined {
  if (error !== undefined) return `${htmlFor}-error`;
  return hint === undefined ? undefined : `${htmlFor}-hint`;
}

/** One labelled control in a form bar (`form-bar.module.css`): label above, control, hint or error below. */
export function BarField({ htmlFor, label, size, hint, error, children }: BarFieldProps): JSX.Element {
  return (
    <div className={size === undefined ? formStyles.field : `${formStyles.field} ${SIZE_CLASS[size]}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error !== undefined ? (
        <span id={`${htmlFor}-error`} className={formStyles.fieldError}>
          {error}
        </span>
      ) : (
        hint !== undefined && (
          <span id={`${htmlFor}-hint`} className={formStyles.hint}>
            {hint}
          </span>
        )
      )}
    </div>
  );
}
