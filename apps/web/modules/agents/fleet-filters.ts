// The fleet list's filters: state and agent group, kept in the URL so a view can be shared.
// Pure functions, so they are tested without a browser.

import type { Agent, AgentState } from './agents.queries';

/** `''` means any; `group` is a group id, or {@link UNGROUPED}. */
export interface FleetFilters {
  state: AgentState | '';
  group: string;
}

export const UNGROUPED = 'none';

export const FLEET_STATES: readonly AgentState[] = ['ONLINE', 'DEGRADED', 'OFFLINE', 'NEVER_SEEN'];

export const DEFAULT_FLEET_FILTERS: FleetFilters = { state: '', group: '' };

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/** Filters from the page's query (`?state=OFFLINE&group=<id>`); anything unknown means "any". */
export function fleetFiltersFromSearchParams(query: Record<string, string | string[] | undefined>): FleetFilters {
  const state = first(query.state).toUpperCase();
  const group = first(query.group);
  return {
    state: (FLEET_STATES as readonly string[]).includes(state) ? (state as AgentState) : '',
    // Group ids are opaque; a long value is no id and would only bloat the URL.
    group: group.length <= 64 ? group : '',
  };
}

export function fleetFiltersToSearchParams(filters: FleetFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.state !== '') params.set('state', filters.state);
  if (filters.group !== '') params.set('group', filters.group);
  return params;
}

export function filterAgents<T extends Pick<Agent, 'state' | 'group'>>(
  agents: readonly T[],
  filters: FleetFilters,
): T[] {
  return agents.filter((agent) => {
    if (filters.state !== '' && agent.state !== filters.state) return false;
    if (filters.group === UNGROUPED) return agent.group === null;
    if (filters.group !== '') return agent.group?.id === filters.group;
    return true;
  });
}

/** How many agents are in each state, for the filter's options ("Offline (2)"). */
export function countByState(agents: readonly Pick<Agent, 'state'>[]): Record<AgentState, number> {
  const counts: Record<AgentState, number> = { ONLINE: 0, DEGRADED: 0, OFFLINE: 0, NEVER_SEEN: 0 };
  for (const agent of agents) {
    if (Object.hasOwn(counts, agent.state)) counts[agent.state as AgentState] += 1;
  }
  return counts;
}
