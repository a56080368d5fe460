'use client';

import type { FormEvent, JSX } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { BarSelect } from '@/modules/shell/bar-select';
import formStyles from '@/modules/shell/form-bar.module.css';
import { AUDIT_OUTCOMES, type AuditFilters, actionDescription, actionOptions, outcomeLabel } from '../audit-format';

export interface AuditFilterBarProps {
  value: AuditFilters;
  refreshing: boolean;
  /** Selects apply at once. */
  onChange: (patch: Partial<AuditFilters>) => void;
  onRefresh: () => void;
}

export function AuditFilterBar({ value, refreshing, onChange, onRefresh }: AuditFilterBarProps): JSX.Element {
  const hydrated = useHydrated();
  const handleSubmit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    onRefresh();
  };

  return (
    <form onSubmit={handleSubmit} aria-label="Audit log filters">
      <fieldset className={formStyles.bar} disabled={!hydrated}>
        <BarSelect
          id="audit-action"
          label="Action"
          value={value.action}
          options={actionOptions(value.action).map((action) => {
            const description = actionDescription(action);
            return { value: action, label: description === undefined ? action : `${action} · ${description}` };
          })}
          anyLabel="Any action"
          onChange={(action) => onChange({ action })}
        />

        <BarSelect
          id="audit-outcome"
          label="Outcome"
          value={value.outcome}
          options={AUDIT_OUTCOMES}
          anyLabel="Any outcome"
          format={outcomeLabel}
          onChange={(outcome) => onChange({ outcome })}
        />

        <div className={`${formStyles.actions} ${formStyles.actionsEnd}`}>
          <button type="submit" className="btn btn-primary" aria-busy={refreshing}>
            Refresh
          </button>
        </div>
      </fieldset>
    </form>
  );
}
