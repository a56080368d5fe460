'use client';

import { type FormEvent, type JSX, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import {
  HTTP_METHODS,
  idError,
  isTimeRangeKey,
  PROTOCOLS,
  type RequestFilters,
  TEXT_FILTERS,
  TIME_RANGES,
} from '../request-filters';
import { BarField } from '@/modules/shell/bar-field';
import { BarSelect } from '@/modules/shell/bar-select';
import formStyles from '@/modules/shell/form-bar.module.css';
import styles from '../request-log.module.css';

export interface RequestFilterBarProps {
  value: RequestFilters;
  /** Shown under the status field when what was typed is not a status code. */
  statusError: string | null;
  refreshing: boolean;
  onChange: (patch: Partial<RequestFilters>) => void;
  /** Enter in a field or the Refresh button: apply what is typed now and fetch again. */
  onSubmit: () => void;
}

export function RequestFilterBar({
  value,
  statusError,
  refreshing,
  onChange,
  onSubmit,
}: RequestFilterBarProps): JSX.Element {
  const hydrated = useHydrated();
  // Open when the page was opened with one of them set; afterwards the user decides.
  const [moreOpen] = useState(() => TEXT_FILTERS.some((f) => value[f.key] !== ''));
  const handleSubmit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    onSubmit();
  };

  return (
    <form onSubmit={handleSubmit} aria-label="Request filters">
      <fieldset className={formStyles.bar} disabled={!hydrated}>
        <BarSelect
          id="filter-range"
          label="Time range"
          value={value.range}
          options={TIME_RANGES}
          onChange={(range) => {
            if (isTimeRangeKey(range)) onChange({ range });
          }}
        />

        <BarSelect
          id="filter-method"
          label="Method"
          value={value.method}
          options={HTTP_METHODS}
          anyLabel="Any"
          onChange={(method) => onChange({ method })}
        />

        <BarField htmlFor="filter-path" label="Path contains" size="wide">
          <input
            id="filter-path"
            type="search"
            value={value.pathContains}
            placeholder="/api/orders"
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => onChange({ pathContains: event.target.value })}
          />
        </BarField>

        <BarField htmlFor="filter-status" label="Status" size="narrow">
          <input
            id="filter-status"
            type="number"
            inputMode="numeric"
            min={0}
            max={599}
            step={1}
            value={value.status}
            placeholder="500"
            aria-invalid={statusError !== null}
            aria-describedby={statusError !== null ? 'filter-status-error' : undefined}
            onChange={(event) => onChange({ status: event.target.value })}
          />
          {statusError !== null && (
            <span id="filter-status-error" className={formStyles.fieldErrorFloating}>
              {statusError}
            </span>
          )}
        </BarField>

        <BarSelect
          id="filter-protocol"
          label="Protocol"
          value={value.protocol}
          options={PROTOCOLS}
          anyLabel="Any"
          onChange={(protocol) => onChange({ protocol })}
        />

        <details className={styles.moreFilters} open={moreOpen}>
          <summary>More filters</summary>
          <div className={formStyles.bar}>
            {TEXT_FILTERS.map((f) => {
              const id = `filter-${f.param}`;
              const error = idError(f.key, value[f.key]);
              return (
                <BarField key={f.key} htmlFor={id} label={f.label}>
                  <input
                    id={id}
                    type="search"
                    value={value[f.key]}
                    maxLength={f.max}
                    autoComplete="off"
                    spellCheck={false}
                    aria-invalid={error !== null}
                    aria-describedby={error !== null ? `${id}-error` : undefined}
                    onChange={(event) => onChange({ [f.key]: event.target.value })}
                  />
                  {error !== null && (
                    <span id={`${id}-error`} className={formStyles.fieldErrorFloating}>
                      {error}
                    </span>
                  )}
                </BarField>
              );
            })}
          </div>
        </details>

        {(value.namespace !== '' || value.service !== '') && (
          <fieldset className={styles.scope}>
            <legend className="visually-hidden">Scope</legend>
            {value.namespace !== '' && (
              <button
                type="button"
                className="btn btn-secondary"
                aria-label={`Remove namespace ${value.namespace}`}
                onClick={() => onChange({ namespace: '' })}
              >
                namespace: {value.namespace} ✕
              </button>
            )}
            {value.service !== '' && (
              <button
                type="button"
                className="btn btn-secondary"
                aria-label={`Remove service ${value.service}`}
                onClick={() => onChange({ service: '' })}
              >
                service: {value.service} ✕
              </button>
            )}
          </fieldset>
        )}

        <div className={`${formStyles.actions} ${formStyles.actionsEnd}`}>
          <label className={styles.toggle}>
            <input
              type="checkbox"
              checked={value.autoRefresh}
              onChange={(event) => onChange({ autoRefresh: event.target.checked })}
              aria-describedby="auto-refresh-hint"
            />
            Auto-refresh
          </label>
          <span id="auto-refresh-hint" className={`${formStyles.hint} ${styles.toggleHint}`}>
            every 5 s
          </span>
          <button type="submit" className="btn btn-primary" aria-busy={refreshing}>
            Refresh
          </button>
        </div>
      </fieldset>
    </form>
  );
}
