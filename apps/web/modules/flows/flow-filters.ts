import type { FlowFilterInput, TimeRangeInput } from './flow-log.queries';

export const FLOW_RANGES = [
  { value: '5m', label: 'Last 5 minutes', ms: 5 * 60_000 },
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last 1 hour', ms: 60 * 60_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 60 * 60_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
] as const;
export type FlowRangeKey = (typeof FLOW_RANGES)[number]['value'];
export const DEFAULT_FLOW_RANGE: FlowRangeKey = '1h';

export const FLOW_PROTOCOLS = ['tcp', 'udp'] as const;
export const CLOSE_TYPES = ['open', 'normal', 'reset', 'timeout', 'connect_failed'] as const;

/** Text filters: the name, its URL parameter (the same) and label. Names match either end of a flow. */
export const FLOW_TEXT_FILTERS = [
  { key: 'namespace', label: 'Namespace', placeholder: 'payments' },
  { key: 'workload', label: 'Workload', placeholder: 'checkout' },
  { key: 'pod', label: 'Pod', placeholder: 'checkout-7f9c-x2' },
  { key: 'service', label: 'Service', placeholder: 'checkout' },
  { key: 'host', label: 'Host', placeholder: 'node-1' },
  { key: 'clientIp', label: 'Client IP', placeholder: '10.0.0.7' },
  { key: 'serverIp', label: 'Server IP', placeholder: '10.0.0.9' },
  { key: 'serverPort', label: 'Server port', placeholder: '443' },
  { key: 'minRttMs', label: 'Min RTT (ms)', placeholder: '10' },
  { key: 'minRetrans', label: 'Min retransmissions', placeholder: '1' },
] as const;
export type FlowTextKey = (typeof FLOW_TEXT_FILTERS)[number]['key'];

/** What the user chose, as typed (text stays text until it is valid). */
export type FlowFilters = { range: FlowRangeKey; protocol: string; closeType: string } & Record<FlowTextKey, string>;

export const DEFAULT_FLOW_FILTERS: FlowFilters = {
  range: DEFAULT_FLOW_RANGE,
  protocol: '',
  closeType: '',
  namespace: '',
  workload: '',
  pod: '',
  service: '',
  host: '',
  clientIp: '',
  serverIp: '',
  serverPort: '',
  minRttMs: '',
  minRetrans: '',
};

const MAX_NAME = 253;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Loose on purpose: the API validates IPv6 exactly; this only keeps obvious typos out of the query.
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/** Why a typed value cannot be used, or null when it can (or is empty). */
export function fieldError(key: FlowTextKey, raw: string): string | null {
  const v = raw.trim();
  if (v === '') return null;
  switch (key) {
    case 'clientIp':
    case 'serverIp':
      return IPV4.test(v) || (v.includes(':') && IPV6.test(v)) ? null : 'Enter an IPv4 or IPv6 address.';
    case 'serverPort':
      return /^\d{1,5}$/.test(v) && Number(v) <= 65535 ? null : 'Enter a port from 0 to 65535.';
    case 'minRttMs':
      return /^\d{1,7}(\.\d{1,3})?$/.test(v) ? null : 'Enter milliseconds, e.g. 12.5.';
    case 'minRetrans':
      return /^\d{1,9}$/.test(v) ? null : 'Enter a whole number.';
    default:
      return v.length <= MAX_NAME ? null : `At most ${MAX_NAME} characters.`;
  }
}

export function isFlowRangeKey(value: string): value is FlowRangeKey {
  return FLOW_RANGES.some((r) => r.value === value);
}

export function flowWindow(key: FlowRangeKey, now: Date = new Date()): TimeRangeInput {
  const ms = FLOW_RANGES.find((r) => r.value === key)?.ms ?? 3_600_000;
  return { from: new Date(now.getTime() - ms).toISOString(), to: now.toISOString() };
}

/** The GraphQL filter for the valid choices; invalid text is left out (the bar shows why). */
export function toFlowFilterInput(f: FlowFilters): FlowFilterInput | undefined {
  const input: FlowFilterInput = {};
  const valid = (key: FlowTextKey) => (f[key].trim() !== '' && fieldError(key, f[key]) === null ? f[key].trim() : null);
  for (const key of ['namespace', 'workload', 'pod', 'service', 'host', 'clientIp', 'serverIp'] as const) {
    const v = valid(key);
    if (v !== null) input[key] = v;
  }
  const port = valid('serverPort');
  if (port !== null) input.serverPort = Number(port);
  const rtt = valid('minRttMs');
  if (rtt !== null) input.minRttUs = Math.round(Number(rtt) * 1000);
  const retrans = valid('minRetrans');
  if (retrans !== null) input.minRetransmissions = Number(retrans);
  if ((FLOW_PROTOCOLS as readonly string[]).includes(f.protocol)) input.protocol = f.protocol;
  if ((CLOSE_TYPES as readonly string[]).includes(f.closeType)) input.closeType = f.closeType;
  return Object.keys(input).length > 0 ? input : undefined;
}

type SearchParamValue = string | string[] | undefined;
const first = (v: SearchParamValue): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

/** Filters from the page URL, e.g. `?range=6h&namespace=shop&serverPort=443&close=reset`. */
export function flowFiltersFromSearchParams(params: Record<string, SearchParamValue>): FlowFilters {
  const range = first(params.range);
  const protocol = first(params.protocol);
  const closeType = first(params.close);
  const out: FlowFilters = {
    ...DEFAULT_FLOW_FILTERS,
    range: isFlowRangeKey(range) ? range : DEFAULT_FLOW_RANGE,
    protocol: (FLOW_PROTOCOLS as readonly string[]).includes(protocol) ? protocol : '',
    closeType: (CLOSE_TYPES as readonly string[]).includes(closeType) ? closeType : '',
  };
  for (const { key } of FLOW_TEXT_FILTERS) {
    const v = first(params[key]);
    out[key] = v.length <= MAX_NAME ? v : '';
  }
  return out;
}

/** The inverse of {@link flowFiltersFromSearchParams}; defaults are left out. */
export function flowFiltersToSearchParams(f: FlowFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (f.range !== DEFAULT_FLOW_RANGE) params.set('range', f.range);
  for (const { key } of FLOW_TEXT_FILTERS) if (f[key].trim() !== '') params.set(key, f[key].trim());
  if (f.protocol !== '') params.set('protocol', f.protocol);
  if (f.closeType !== '') params.set('close', f.closeType);
  return params;
}
