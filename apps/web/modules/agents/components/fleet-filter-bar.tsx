'use client';

import type { JSX } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import { stateLabel } from '../agent-format';
import type { AgentState } from '../agents.queries';
import { FLEET_STATES, type FleetFilters, UNGROUPED } from '../fleet-filters';

export interface FleetFilterBarProps {
  value: FleetFilters;
  /** Agents in each state, over the whole fleet. */
  counts: Record<AgentState, number>;
  /** Groups to filter by; a group the URL names but that is not listed is offered as "Unknown group". */
  groups: ReadonlyArray<{ id: string; name: string }>;
  /** Selects apply at once. */
  onChange: (patch: Partial<FleetFilters>) => void;
}

export function FleetFilterBar({ value, counts, groups, onChange }: FleetFilterBarProps): JSX.Element {
  const hydrated = useHydrated();
  const unknownGroup = value.group !== '' && value.group !== UNGROUPED && !groups.some((g) => g.id === value.group);
  return (
    <form onSubmit={(event) => event.preventDefault()} aria-label="Agent filters">
      <fieldset className={formStyles.bar} disabled={!hydrated}>
        <BarField htmlFor="fleet-state" label="State">
          <select
            id="fleet-state"
            value={value.state}
            onChange={(event) => onChange({ state: event.target.value as FleetFilters['state'] })}
          >
            <option value="">Any state</option>
            {FLEET_STATES.map((state) => (
              <option key={state} value={state}>
                {`${stateLabel(state)} (${counts[state]})`}
              </option>
            ))}
          </select>
        </BarField>
        <BarField htmlFor="fleet-group" label="Group">
          <select id="fleet-group" value={value.group} onChange={(event) => onChange({ group: event.target.value })}>
            <option value="">Any group</option>
            <option value={UNGROUPED}>No group</option>
            {groups.map((group) => (
              <option key={group.id} value={group.id}>
                {group.name}
              </option>
            ))}
            {unknownGroup && <option value={value.group}>Unknown group</option>}
          </select>
        </BarField>
      </fieldset>
    </form>
  );
}
