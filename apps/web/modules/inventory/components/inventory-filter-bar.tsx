'use client';

import { type JSX, useEffect, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { type InventoryFilters, labelFilterError, RESOURCE_KINDS, toggleKind } from '../inventory-filters';
import { resourceKindLabel } from '../inventory-format';
import styles from '../inventory.module.css';

/** Typing applies after this pause; Enter applies at once. */
export const TYPING_PAUSE_MS = 400;

export interface InventoryFilterBarProps {
  value: InventoryFilters;
  /** Sources to offer besides "Agent": the tenant's connectors (empty when the viewer may not list them). */
  connectors: ReadonlyArray<{ id: string; name: string }>;
  onChange: (patch: Partial<InventoryFilters>) => void;
}

export function InventoryFilterBar({ value, connectors, onChange }: InventoryFilterBarProps): JSX.Element {
  const hydrated = useHydrated();
  const [search, setSearch] = useState(value.search);
  const [label, setLabel] = useState(value.label);
  const labelError = labelFilterError(label);

  // Text fields apply after a pause in typing, so each key press does not start a query.
  useEffect(() => {
    if (search === value.search) return;
    const timer = setTimeout(() => onChange({ search }), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [search, value.search, onChange]);

  useEffect(() => {
    if (label === value.label || labelFilterError(label) !== undefined) return;
    const timer = setTimeout(() => onChange({ label: label.trim() }), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [label, value.label, onChange]);

  const unknownSource =
    value.source !== '' && value.source !== 'agent' && !connectors.some((c) => `connector:${c.id}` === value.source);

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ search, ...(labelError === undefined ? { label: label.trim() } : {}) });
      }}
      aria-label="Inventory filters"
    >
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <BarField htmlFor="inventory-search" label="Search" size="wide" hint="Name or external id">
          <input
            id="inventory-search"
            type="search"
            value={search}
            maxLength={200}
            placeholder="web-1"
            autoComplete="off"
            aria-describedby="inventory-search-hint"
            onChange={(event) => setSearch(event.target.value)}
          />
        </BarField>

        <BarField htmlFor="inventory-label" label="Label" hint="key=value, or a key alone" error={labelError}>
          <input
            id="inventory-label"
            type="text"
            value={label}
            maxLength={300}
            placeholder="app=web"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={labelError !== undefined}
            aria-describedby={fieldNoteId('inventory-label', labelError, 'key=value, or a key alone')}
            onChange={(event) => setLabel(event.target.value)}
          />
        </BarField>

        <BarField htmlFor="inventory-source" label="Source">
          <select
            id="inventory-source"
            value={value.source}
            onChange={(event) => onChange({ source: event.target.value })}
          >
            <option value="">Any source</option>
            <option value="agent">Agent</option>
            {connectors.map((connector) => (
              <option key={connector.id} value={`connector:${connector.id}`}>
                {connector.name}
              </option>
            ))}
            {unknownSource && <option value={value.source}>Other connector</option>}
          </select>
        </BarField>

        <label className={`${choiceStyles.option} ${styles.deletedToggle}`}>
          <input
            type="checkbox"
            checked={value.includeDeleted}
            onChange={(event) => onChange({ includeDeleted: event.target.checked })}
          />
          Include deleted
        </label>

        <fieldset className={styles.kindChips}>
          <legend className={styles.kindChipsLabel}>Kinds</legend>
          {RESOURCE_KINDS.map((kind) => {
            const pressed = value.kinds.includes(kind);
            return (
              <button
                key={kind}
                type="button"
                className={`${styles.kindChip} ${pressed ? styles.kindChipOn : ''}`}
                aria-pressed={pressed}
                onClick={() => onChange({ kinds: toggleKind(value.kinds, kind) })}
              >
                {resourceKindLabel(kind)}
              </button>
            );
          })}
          {value.kinds.length > 0 && (
            <button type="button" className={styles.clearKinds} onClick={() => onChange({ kinds: [] })}>
              All kinds
            </button>
          )}
        </fieldset>
      </fieldset>
    </form>
  );
}
