'use client';

import type { FormEvent, JSX } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField } from '@/modules/shell/bar-field';
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
        <BarField htmlFor="audit-action" label="Action">
          <select id="audit-action" value={value.action} onChange={(event) => onChange({ action: event.target.value })}>
            <option value="">Any action</option>
            {actionOptions(value.action).map((action) => {
              const description = actionDescription(action);
              return (
                <option key={action} value={action}>
                  {description === undefined ? action : `${action} · ${description}`}
                </option>
              );
            })}
          </select>
        </BarField>

        <BarField htmlFor="audit-outcome" label="Outcome">
          <select
            id="audit-outcome"
            value={value.outcome}
            onChange={(event) => onChange({ outcome: event.target.value })}
          >
            <option value="">Any outcome</option>
            {AUDIT_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {outcomeLabel(outcome)}
              </option>
            ))}
          </select>
        </BarField>

        <div className={`${formStyles.actions} ${formStyles.actionsEnd}`}>
          <button type="submit" className="btn btn-primary" aria-busy={refreshing}>
            Refresh
          </button>
        </div>
      </fieldset>
    </form>
  );
}
