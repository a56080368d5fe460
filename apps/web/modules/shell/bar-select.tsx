import type { JSX, ReactNode } from 'react';
import { BarField, fieldNoteId } from './bar-field';

/** A choice given as its value alone (shown as is) or with a label of its own. */
export type BarOption = string | { readonly value: string; readonly label: string };

export interface BarSelectProps {
  id: string;
  label: ReactNode;
  value: string;
  options: readonly BarOption[];
  /** Receives the raw value; callers that hold a narrower type check it there. */
  onChange: (value: string) => void;
  /** Adds a first, empty choice with this label ("Any"): the filter is off. */
  anyLabel?: string;
  /** How a value-only choice is shown (e.g. upper-cased); labelled choices keep their label. */
  format?: (value: string) => string;
  hint?: ReactNode;
  error?: string;
}

/** A labelled `<select>` in a form bar: the filter bars of the log, profile and audit pages all use it. */
export function BarSelect({
  id,
  label,
  value,
  options,
  onChange,
  anyLabel,
  format,
  hint,
  error,
}: BarSelectProps): JSX.Element {
  return (
    <BarField htmlFor={id} label={label} hint={hint} error={error}>
      <select
        id={id}
        value={value}
        aria-describedby={fieldNoteId(id, error, hint)}
        onChange={(event) => onChange(event.target.value)}
      >
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {options.map((option) => {
          const [optionValue, optionLabel] =
            typeof option === 'string'
              ? [option, format === undefined ? option : format(option)]
              : [option.value, option.label];
          return (
            <option key={optionValue} value={optionValue}>
              {optionLabel}
            </option>
          );
        })}
      </select>
    </BarField>
  );
}
