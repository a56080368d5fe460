import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INVENTORY_FILTERS,
  type InventoryFilters,
  inventoryFiltersFromSearchParams,
  inventoryFiltersToSearchParams,
  labelFilterError,
  RESOURCE_KINDS,
  toggleKind,
  toInventoryFilterInput,
} from './inventory-filters';

describe('inventory filters in the URL', () => {
  it('reads search, kinds, label, source and deleted, ignoring what the API would refuse', () => {
    expect(inventoryFiltersFromSearchParams({})).toEqual(DEFAULT_INVENTORY_FILTERS);
    expect(
      inventoryFiltersFromSearchParams({
        q: 'web',
        kinds: 'service,POD,unicorn',
        label: 'app=web',
        source: 'connector:abc-123',
        deleted: '1',
      }),
    ).toEqual({
      search: 'web',
      kinds: ['pod', 'service'],
      label: 'app=web',
      source: 'connector:abc-123',
      includeDeleted: true,
    });
    expect(inventoryFiltersFromSearchParams({ kinds: ['host', 'vpc,host'], source: 'somewhere', label: '=x' })).toEqual(
      {
        ...DEFAULT_INVENTORY_FILTERS,
        kinds: ['vpc', 'host'],
      },
    );
    expect(inventoryFiltersFromSearchParams({ q: 'x'.repeat(201), deleted: 'yes' })).toEqual(DEFAULT_INVENTORY_FILTERS);
  });

  it('writes only what is set', () => {
    expect(inventoryFiltersToSearchParams(DEFAULT_INVENTORY_FILTERS).toString()).toBe('');
    expect(
      inventoryFiltersToSearchParams({
        search: ' web ',
        kinds: ['service', 'pod'],
        label: 'team=payments',
        source: 'agent',
        includeDeleted: true,
      }).toString(),
    ).toBe('q=web&kinds=pod%2Cservice&label=team%3Dpayments&source=agent&deleted=1');
  });

  it('reads back what it wrote (any filters)', () => {
    const filters: fc.Arbitrary<InventoryFilters> = fc.record({
      search: fc.string({ maxLength: 200 }).map((s) => s.trim()),
      kinds: fc.subarray([...RESOURCE_KINDS]),
      label: fc
        .tuple(
          fc.stringMatching(/^[a-z][a-z0-9./-]{0,20}$/),
          fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        )
        .map(([key, value]) => (value === undefined ? key : `${key}=${value}`).trim()),
      source: fc.oneof(
        fc.constant(''),
        fc.constant('agent'),
        fc.uuid().map((id) => `connector:${id}`),
      ),
      includeDeleted: fc.boolean(),
    });
    fc.assert(
      fc.property(filters, (f) => {
        const query = inventoryFiltersToSearchParams(f);
        const back = inventoryFiltersFromSearchParams(Object.fromEntries(query));
        expect(back).toEqual({ ...f, label: labelFilterError(f.label) === undefined ? f.label : '' });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on any query, and keeps within the API’s limits', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('q', 'kinds', 'label', 'source', 'deleted', 'other'),
          fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.string({ maxLength: 50 }), { maxLength: 4 })),
        ),
        (query) => {
          const f = inventoryFiltersFromSearchParams(query);
          expect(f.search.length).toBeLessThanOrEqual(200);
          expect(f.label.length).toBeLessThanOrEqual(300);
          for (const kind of f.kinds) expect(RESOURCE_KINDS).toContain(kind);
          expect(f.source === '' || /^(agent|connector:[\w-]+)$/.test(f.source)).toBe(true);
        },
      ),
    );
  });
});

describe('the GraphQL filter', () => {
  it('leaves out what does not narrow, and an invalid label', () => {
    expect(toInventoryFilterInput(DEFAULT_INVENTORY_FILTERS)).toBeUndefined();
    expect(
      toInventoryFilterInput({
        search: ' web ',
        kinds: ['service', 'pod'],
        label: ' app = web',
        source: 'agent',
        includeDeleted: true,
      }),
    ).toEqual({ search: 'web', kinds: ['pod', 'service'], label: 'app= web', source: 'agent', includeDeleted: true });
    expect(toInventoryFilterInput({ ...DEFAULT_INVENTORY_FILTERS, label: '=web' })).toBeUndefined();
    expect(toInventoryFilterInput({ ...DEFAULT_INVENTORY_FILTERS, label: 'team' })).toEqual({ label: 'team' });
  });

  it('explains a label it will not send', () => {
    expect(labelFilterError('')).toBeUndefined();
    expect(labelFilterError('app=web')).toBeUndefined();
    expect(labelFilterError('=web')).toBe('Write key=value, or a key alone to find resources that have it.');
    expect(labelFilterError('my app=web')).toBe('A label key has no spaces; write key=value.');
  });

  it('toggles kind chips, keeping the kinds in their order', () => {
    expect(toggleKind([], 'pod')).toEqual(['pod']);
    expect(toggleKind(['pod'], 'host')).toEqual(['host', 'pod']);
    expect(toggleKind(['host', 'pod'], 'host')).toEqual(['pod']);
  });
});
