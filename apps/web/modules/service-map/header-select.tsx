import type { JSX } from 'react';
import styles from './header-select.module.css';

/**
 * A compact labelled select for a page header (time range, grouping) on the service map and service pages.
 * `onChange` only ever receives one of `options`' values, so callers need no cast.
 */
export function HeaderSelect<V extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: V;
  options: readonly { readonly value: V; readonly label: string }[];
  onChange: (value: V) => void;
}): JSX.Element {
  return (
    <label className={styles.control}>
      <span>{label}</span>
      <select
        value={value}
        onChange={(event) => {
          const chosen = options.find((option) => option.value === event.target.value);
          if (chosen !== undefined) onChange(chosen.value);
        }}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}
