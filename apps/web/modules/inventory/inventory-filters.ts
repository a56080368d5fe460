// The inventory browser's filters, kept in the URL (`?q=web&kinds=pod,service&label=app%3Dweb&source=agent&deleted=1`)
// so a view can be shared or reloaded. Pure functions, so they are tested without a browser.

import type { InventoryFilterInput } from './inventory.queries';

/** Kinds the inventory holds: the connectors' (sources/source-types.ts) and the agents' own (process). */
export const RESOURCE_KINDS = [
  'region',
  'az',
  'vpc',
  'subnet',
  'host',
  'cluster',
  'namespace',
  'workload',
  'pod',
  'container',
  'service',
  'load_balancer',
  'application',
  'process',
] as const;

export interface InventoryFilters {
  /** Substring of the name or external id; '' for any. */
  search: string;
  /** Any of these kinds; empty for every kind. */
  kinds: string[];
  /** `key=value` (exact) or `key` (present); '' for any. */
  label: string;
  /** `agent`, `connector:<id>`, or '' for any. */
  source: string;
  includeDeleted: boolean;
}

export const DEFAULT_INVENTORY_FILTERS: InventoryFilters = {
  search: '',
  kinds: [],
  label: '',
  source: '',
  includeDeleted: false,
};

/** The API's limits on the filter (InventoryFilter). */
export const MAX_SEARCH_LENGTH = 200;
export const MAX_LABEL_FILTER_LENGTH = 300;
const MAX_KINDS = 20;
const SOURCE_PATTERN = /^(agent|connector:[A-Za-z0-9_-]{1,64})$/;

type SearchParamValue = string | string[] | undefined;

function first(value: SearchParamValue): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function isKind(value: string): boolean {
  return (RESOURCE_KINDS as readonly string[]).includes(value);
}

/** Kinds from `kinds=pod,service` (or repeated `kinds=`): known ones, each once, in the order of {@link RESOURCE_KINDS}. */
function kindsFrom(value: SearchParamValue): string[] {
  const raw = (Array.isArray(value) ? value : [value ?? '']).flatMap((part) => part.split(','));
  const wanted = new Set(raw.map((kind) => kind.trim().toLowerCase()).filter(isKind));
  return RESOURCE_KINDS.filter((kind) => wanted.has(kind)).slice(0, MAX_KINDS);
}

/** Filters from the page's query; what the API would refuse (too long, an unknown kind or source) means "any". */
export function inventoryFiltersFromSearchParams(query: Record<string, SearchParamValue>): InventoryFilters {
  const search = first(query.q);
  const label = first(query.label).trim();
  const source = first(query.source).trim();
  const deleted = first(query.deleted).toLowerCase();
  return {
    search: search.length <= MAX_SEARCH_LENGTH ? search : '',
    kinds: kindsFrom(query.kinds),
    label: label.length <= MAX_LABEL_FILTER_LENGTH && labelFilterError(label) === undefined ? label : '',
    source: SOURCE_PATTERN.test(source) ? source : '',
    includeDeleted: deleted === '1' || deleted === 'true',
  };
}

/** The inverse of {@link inventoryFiltersFromSearchParams}; what is not set is left out, to keep links short. */
export function inventoryFiltersToSearchParams(filters: InventoryFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.search.trim() !== '') params.set('q', filters.search.trim());
  const kinds = RESOURCE_KINDS.filter((kind) => filters.kinds.includes(kind));
  if (kinds.length > 0) params.set('kinds', kinds.join(','));
  if (filters.label.trim() !== '') params.set('label', filters.label.trim());
  if (filters.source !== '') params.set('source', filters.source);
  if (filters.includeDeleted) params.set('deleted', '1');
  return params;
}

/** Why a label filter would be refused, or undefined: `key` or `key=value`, the key without spaces. */
export function labelFilterError(raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (value.length > MAX_LABEL_FILTER_LENGTH) return `At most ${MAX_LABEL_FILTER_LENGTH} characters.`;
  const equals = value.indexOf('=');
  const key = (equals < 0 ? value : value.slice(0, equals)).trim();
  if (key === '') return 'Write key=value, or a key alone to find resources that have it.';
  if (/\s/.test(key)) return 'A label key has no spaces; write key=value.';
  return undefined;
}

/** The GraphQL filter for the choices; undefined when nothing narrows the list. An invalid label is left out. */
export function toInventoryFilterInput(filters: InventoryFilters): InventoryFilterInput | undefined {
  const input: InventoryFilterInput = {};
  const search = filters.search.trim();
  if (search !== '') input.search = search.slice(0, MAX_SEARCH_LENGTH);
  if (filters.kinds.length > 0) input.kinds = RESOURCE_KINDS.filter((kind) => filters.kinds.includes(kind));
  const label = filters.label.trim();
  if (label !== '' && labelFilterError(label) === undefined) {
    const equals = label.indexOf('=');
    input.label = equals < 0 ? label : `${label.slice(0, equals).trim()}=${label.slice(equals + 1)}`;
  }
  if (filters.source !== '') input.source = filters.source;
  if (filters.includeDeleted) input.includeDeleted = true;
  return Object.keys(input).length > 0 ? input : undefined;
}

/** Adds or removes one kind chip. */
export function toggleKind(kinds: readonly string[], kind: string): string[] {
  return kinds.includes(kind)
    ? kinds.filter((k) => k !== kind)
    : RESOURCE_KINDS.filter((k) => k === kind || kinds.includes(k));
}
