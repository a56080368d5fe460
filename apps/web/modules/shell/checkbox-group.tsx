'use client';

import type { JSX, ReactNode } from 'react';
import styles from './choice-group.module.css';
import formStyles from './form-bar.module.css';

export interface CheckboxOption {
  value: string;
  label: string;
  /** A tooltip, e.g. what the option means. */
  title?: string;
}

export interface CheckboxGroupProps {
  /** Prefix of the ids in the group, e.g. "policy-actions". */
  id: string;
  /** Names the group (its `fieldset` legend), e.g. "Actions". */
  legend: string;
  options: readonly CheckboxOption[];
  /** The checked values. */
  value: readonly string[];
  onChange: (next: string[]) => void;
  /** Under the options, e.g. what "none checked" means. */
  hint?: ReactNode;
  /** Why the choice would be refused; shown instead of the hint. */
  error?: string;
  /** Said instead of the options when there are none. */
  emptyText?: string;
  className?: string;
}

/** Checkboxes under a legend; the order of `value` follows `options`. */
export function CheckboxGroup({
  id,
  legend,
  options,
  value,
  onChange,
  hint,
  error,
  emptyText = 'Nothing to choose from.',
  className,
}: CheckboxGroupProps): JSX.Element {
  const noteId = `${id}-${error !== undefined ? 'error' : 'hint'}`;
  const toggle = (option: string, checked: boolean): void => {
    const chosen = new Set(value);
    if (checked) chosen.add(option);
    else chosen.delete(option);
    onChange(options.map((entry) => entry.value).filter((entry) => chosen.has(entry)));
  };
  return (
    <fieldset
      className={[styles.group, className].filter(Boolean).join(' ')}
      aria-describedby={error !== undefined || hint !== undefined ? noteId : undefined}
      data-invalid={error !== undefined ? true : undefined}
    >
      <legend className={styles.legend}>{legend}</legend>
      {options.length === 0 ? (
        <span className={styles.empty}>{emptyText}</span>
      ) : (
        <ul className={styles.options}>
          {options.map((option) => (
            <li key={option.value}>
              <label className={styles.option} title={option.title}>
                <input
                  type="checkbox"
                  checked={value.includes(option.value)}
                  onChange={(event) => toggle(option.value, event.target.checked)}
                />
                {option.label}
              </label>
            </li>
          ))}
        </ul>
      )}
      {error !== undefined ? (
        <span id={noteId} className={formStyles.fieldError}>
          {error}
        </span>
      ) : (
        hint !== undefined && (
          <span id={noteId} className={formStyles.hint}>
            {hint}
          </span>
        )
      )}
    </fieldset>
  );
}
