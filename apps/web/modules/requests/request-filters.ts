import type { RequestFilterInput, TimeRangeInput } from './request-log.queries';

export const TIME_RANGES = [
  { value: '5m', label: 'Last 5 minutes', ms: 5 * 60_000 },
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last 1 hour', ms: 60 * 60_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 60 * 60_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
] as const;

export type TimeRangeKey = (typeof TIME_RANGES)[number]['value'];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

export const DEFAULT_TIME_RANGE: TimeRangeKey = '1h';

/** What the user chose, as typed; `status` stays a string until it is valid. */
export interface RequestFilters {
  range: TimeRangeKey;
  /** '' means any method. */
  method: string;
  pathContains: string;
  status: string;
  /** Scope from a link (an inventory resource, a service page); '' means any. */
  namespace: string;
  service: string;
  autoRefresh: boolean;
}

export const DEFAULT_FILTERS: RequestFilters = {
  range: DEFAULT_TIME_RANGE,
  method: '',
  pathContains: '',
  status: '',
  namespace: '',
  service: '',
  autoRefresh: true,
};

export function isTimeRangeKey(value: string): value is TimeRangeKey {
  return TIME_RANGES.some((range) => range.value === value);
}

export function timeRangeMs(key: TimeRangeKey): number {
  return TIME_RANGES.find((range) => range.value === key)?.ms ?? 60 * 60_000;
}

/** The window ending now; computed at fetch time so auto-refresh slides it forward. */
export function timeWindow(key: TimeRangeKey, now: Date = new Date()): TimeRangeInput {
  return { from: new Date(now.getTime() - timeRangeMs(key)).toISOString(), to: now.toISOString() };
}

/** An HTTP status the API can filter on; 0 is what timed-out requests carry. */
export function parseStatus(raw: string): number | undefined | 'invalid' {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  if (!/^\d{1,3}$/.test(trimmed)) return 'invalid';
  const value = Number(trimmed);
  return value <= 599 ? value : 'invalid';
}

/** The GraphQL filter for the choices, or undefined when nothing narrows the result. */
export function toFilterInput(filters: RequestFilters): RequestFilterInput | undefined {
  const input: RequestFilterInput = {};
  if (filters.method !== '') input.method = filters.method;
  const path = filters.pathContains.trim();
  if (path !== '') input.pathContains = path;
  const status = parseStatus(filters.status);
  if (typeof status === 'number') input.status = status;
  if (filters.namespace !== '') input.namespace = filters.namespace;
  if (filters.service !== '') input.service = filters.service;
  return Object.keys(input).length > 0 ? input : undefined;
}

type SearchParamValue = string | string[] | undefined;

function first(value: SearchParamValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The API's limit on namespace and service names. */
const MAX_SCOPE_LENGTH = 253;

const scopeValue = (value: string | undefined): string =>
  value !== undefined && value.length <= MAX_SCOPE_LENGTH ? value : '';

/** Filters from the page URL (`?range=6h&method=GET&path=/api&status=500&namespace=shop&service=cart&refresh=off`). */
export function filtersFromSearchParams(params: Record<string, SearchParamValue>): RequestFilters {
  const range = first(params.range) ?? '';
  const method = (first(params.method) ?? '').toUpperCase();
  return {
    range: isTimeRangeKey(range) ? range : DEFAULT_TIME_RANGE,
    method: (HTTP_METHODS as readonly string[]).includes(method) ? method : '',
    pathContains: first(params.path) ?? '',
    status: first(params.status) ?? '',
    namespace: scopeValue(first(params.namespace)),
    service: scopeValue(first(params.service)),
    autoRefresh: first(params.refresh) !== 'off',
  };
}

/** The inverse of {@link filtersFromSearchParams}; defaults are left out to keep links short. */
export function filtersToSearchParams(filters: RequestFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.range !== DEFAULT_TIME_RANGE) params.set('range', filters.range);
  if (filters.method !== '') params.set('method', filters.method);
  if (filters.pathContains.trim() !== '') params.set('path', filters.pathContains.trim());
  if (filters.status.trim() !== '') params.set('status', filters.status.trim());
  if (filters.namespace !== '') params.set('namespace', filters.namespace);
  if (filters.service !== '') params.set('service', filters.service);
  if (!filters.autoRefresh) params.set('refresh', 'off');
  return params;
}
