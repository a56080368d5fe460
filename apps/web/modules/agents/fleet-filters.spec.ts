import { describe, expect, it } from 'vitest';
import {
  countByState,
  DEFAULT_FLEET_FILTERS,
  filterAgents,
  fleetFiltersFromSearchParams,
  fleetFiltersToSearchParams,
  UNGROUPED,
} from './fleet-filters';

const web = { id: 'g1', name: 'web' };
const db = { id: 'g2', name: 'db' };
const agents = [
  { id: 1, state: 'ONLINE', group: web },
  { id: 2, state: 'OFFLINE', group: web },
  { id: 3, state: 'ONLINE', group: null },
  { id: 4, state: 'NEVER_SEEN', group: db },
  { id: 5, state: 'RESTARTING', group: null },
];

describe('fleet filters', () => {
  it('reads state and group from the query, ignoring what is not one', () => {
    expect(fleetFiltersFromSearchParams({})).toEqual(DEFAULT_FLEET_FILTERS);
    expect(fleetFiltersFromSearchParams({ state: 'offline', group: 'g1' })).toEqual({ state: 'OFFLINE', group: 'g1' });
    expect(fleetFiltersFromSearchParams({ state: ['DEGRADED', 'ONLINE'] })).toEqual({ state: 'DEGRADED', group: '' });
    expect(fleetFiltersFromSearchParams({ state: 'sleeping', group: 'x'.repeat(65) })).toEqual(DEFAULT_FLEET_FILTERS);
  });

  it('writes only what is set, and reads back what it wrote', () => {
    expect(fleetFiltersToSearchParams(DEFAULT_FLEET_FILTERS).toString()).toBe('');
    const filters = { state: 'NEVER_SEEN', group: UNGROUPED } as const;
    const query = fleetFiltersToSearchParams(filters);
    expect(query.toString()).toBe('state=NEVER_SEEN&group=none');
    expect(fleetFiltersFromSearchParams(Object.fromEntries(query))).toEqual(filters);
  });

  it('filters by state, by group, by no group, and both', () => {
    const ids = (filters: Parameters<typeof filterAgents>[1]) => filterAgents(agents, filters).map((a) => a.id);
    expect(ids(DEFAULT_FLEET_FILTERS)).toEqual([1, 2, 3, 4, 5]);
    expect(ids({ state: 'ONLINE', group: '' })).toEqual([1, 3]);
    expect(ids({ state: '', group: 'g1' })).toEqual([1, 2]);
    expect(ids({ state: '', group: UNGROUPED })).toEqual([3, 5]);
    expect(ids({ state: 'ONLINE', group: 'g1' })).toEqual([1]);
    expect(ids({ state: 'DEGRADED', group: '' })).toEqual([]);
    expect(ids({ state: '', group: 'gone' })).toEqual([]);
  });

  it('counts agents per known state', () => {
    expect(countByState(agents)).toEqual({ ONLINE: 2, DEGRADED: 0, OFFLINE: 1, NEVER_SEEN: 1 });
  });
});
