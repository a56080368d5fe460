import type { JSX, ReactNode } from 'react';
import formStyles from './form-bar.module.css';

export interface BarFieldProps {
  /** The control's id, which the label points at. */
  htmlFor: string;
  label: ReactNode;
  /** A wide text field (a path, an email), or a narrow one (a number). */
  size?: 'wide' | 'narrow';
  /** The control, then any hint or error under it. */
  children: ReactNode;
}

const SIZE_CLASS = { wide: formStyles.fieldWide, narrow: formStyles.fieldNarrow } as const;

/** One labelled control in a form bar (`form-bar.module.css`): label above, control, hint or error below. */
export function BarField({ htmlFor, label, size, children }: BarFieldProps): JSX.Element {
  return (
    <div className={size === undefined ? formStyles.field : `${formStyles.field} ${SIZE_CLASS[size]}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
    </div>
  );
}
