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
  /** Inventory names of either party, ids and exact values; '' means any. */
  workload: string;
  pod: string;
  host: string;
  traceId: string;
  spanId: string;
  xRequestId: string;
  /** '' means any protocol. */
  protocol: string;
  endpoint: string;
  resource: string;
  autoRefresh: boolean;
}

/** Text filters beyond path and status: applied after a pause in typing, kept in the URL under these keys. */
export const TEXT_FILTERS = [
  { key: 'namespace', param: 'namespace', label: 'Namespace', max: 253 },
  { key: 'service', param: 'service', label: 'Service', max: 253 },
  { key: 'workload', param: 'workload', label: 'Workload', max: 253 },
  { key: 'pod', param: 'pod', label: 'Pod', max: 253 },
  { key: 'host', param: 'host', label: 'Host', max: 253 },
  { key: 'endpoint', param: 'endpoint', label: 'Endpoint', max: 1024 },
  { key: 'resource', param: 'resource', label: 'Resource', max: 1024 },
  { key: 'traceId', param: 'trace', label: 'Trace ID', max: 32 },
  { key: 'spanId', param: 'span', label: 'Span ID', max: 16 },
  { key: 'xRequestId', param: 'requestId', label: 'Request ID', max: 256 },
] as const satisfies ReadonlyArray<{ key: keyof RequestFilters; param: string; label: string; max: number }>;

export type TextFilterKey = (typeof TEXT_FILTERS)[number]['key'];

export const PROTOCOLS = ['http1', 'http2', 'grpc', 'dns', 'mysql', 'postgresql', 'redis', 'kafka', 'mqtt'] as const;

const HEX_IDS: Partial<Record<TextFilterKey, { digits: number; label: string }>> = {
  traceId: { digits: 32, label: 'A trace ID is 32 hexadecimal digits.' },
  spanId: { digits: 16, label: 'A span ID is 16 hexadecimal digits.' },
};

/** Why a typed trace or span id cannot be searched for, or null when it can (or is empty). */
export function idError(key: TextFilterKey, raw: string): string | null {
  const rule = HEX_IDS[key];
  const value = raw.trim();
  if (!rule || value === '') return null;
  return new RegExp(`^[0-9a-fA-F]{${rule.digits}}$`).test(value) ? null : rule.label;
}

export const DEFAULT_FILTERS: RequestFilters = {
  range: DEFAULT_TIME_RANGE,
  method: '',
  pathContains: '',
  status: '',
  namespace: '',
  service: '',
  workload: '',
  pod: '',
  host: '',
  traceId: '',
  spanId: '',
  xRequestId: '',
  protocol: '',
  endpoint: '',
  resource: '',
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
  for (const { key } of TEXT_FILTERS) {
    const value = filters[key].trim();
    if (value === '' || idError(key, value) !== null) continue;
    input[key] = HEX_IDS[key] ? value.toLowerCase() : value;
  }
  if (filters.protocol !== '') input.protocol = filters.protocol;
  return Object.keys(input).length > 0 ? input : undefined;
}

type SearchParamValue = string | string[] | undefined;

function first(value: SearchParamValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const limited = (value: string | undefined, max: number): string =>
  value !== undefined && value.length <= max ? value : '';

/**
 * Filters from the page URL (`?range=6h&method=GET&path=/api&status=500&namespace=shop&service=cart&pod=api-1
 * &protocol=dns&trace=<32 hex>&refresh=off`).
 */
export function filtersFromSearchParams(params: Record<string, SearchParamValue>): RequestFilters {
  const range = first(params.range) ?? '';
  const method = (first(params.method) ?? '').toUpperCase();
  const protocol = (first(params.protocol) ?? '').toLowerCase();
  return {
    range: isTimeRangeKey(range) ? range : DEFAULT_TIME_RANGE,
    method: (HTTP_METHODS as readonly string[]).includes(method) ? method : '',
    pathContains: first(params.path) ?? '',
    status: first(params.status) ?? '',
    ...(Object.fromEntries(TEXT_FILTERS.map((f) => [f.key, limited(first(params[f.param]), f.max)])) as Record<
      TextFilterKey,
      string
    >),
    protocol: (PROTOCOLS as readonly string[]).includes(protocol) ? protocol : '',
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
  for (const { key, param } of TEXT_FILTERS) if (filters[key].trim() !== '') params.set(param, filters[key].trim());
  if (filters.protocol !== '') params.set('protocol', filters.protocol);
  if (!filters.autoRefresh) params.set('refresh', 'off');
  return params;
}
