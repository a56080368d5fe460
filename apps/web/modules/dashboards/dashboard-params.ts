import { DEFAULT_TIME_RANGE, isTimeRangeKey, type TimeRangeKey, timeWindow } from '../requests/request-filters';
import type { DashboardProtocol, NetworkGroupBy } from './dashboards.queries';

export { TIME_RANGES, type TimeRangeKey, timeWindow } from '../requests/request-filters';

/** The protocol tabs, in the order shown; the URL carries the lower-case id. */
export const PROTOCOL_TABS: ReadonlyArray<{ id: string; protocol: DashboardProtocol; label: string }> = [
  { id: 'dns', protocol: 'DNS', label: 'DNS' },
  { id: 'sql', protocol: 'SQL', label: 'SQL' },
  { id: 'redis', protocol: 'REDIS', label: 'Redis' },
  { id: 'kafka', protocol: 'KAFKA', label: 'Kafka' },
  { id: 'http', protocol: 'HTTP', label: 'HTTP' },
];

type SearchParamValue = string | string[] | undefined;
const first = (value: SearchParamValue): string => (Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));

export interface ProtocolsParams {
  range: TimeRangeKey;
  /** A PROTOCOL_TABS id. */
  tab: string;
}

export interface NetworkParams {
  range: TimeRangeKey;
  groupBy: NetworkGroupBy;
}

/** `?range=6h&protocol=redis`; unknown values fall back to the defaults (last hour, DNS). */
export function protocolsParamsFrom(params: Record<string, SearchParamValue>): ProtocolsParams {
  const range = first(params.range);
  const tab = first(params.protocol).toLowerCase();
  return {
    range: isTimeRangeKey(range) ? range : DEFAULT_TIME_RANGE,
    tab: PROTOCOL_TABS.some((t) => t.id === tab) ? tab : 'dns',
  };
}

export function protocolsSearch(p: ProtocolsParams): string {
  const params = new URLSearchParams();
  if (p.range !== DEFAULT_TIME_RANGE) params.set('range', p.range);
  if (p.tab !== 'dns') params.set('protocol', p.tab);
  return params.toString();
}

/** `?range=24h&groupBy=host`; unknown values fall back to the defaults (last hour, per pod). */
export function networkParamsFrom(params: Record<string, SearchParamValue>): NetworkParams {
  const range = first(params.range);
  return {
    range: isTimeRangeKey(range) ? range : DEFAULT_TIME_RANGE,
    groupBy: first(params.groupBy).toLowerCase() === 'host' ? 'HOST' : 'POD',
  };
}

export function networkSearch(p: NetworkParams): string {
  const params = new URLSearchParams();
  if (p.range !== DEFAULT_TIME_RANGE) params.set('range', p.range);
  if (p.groupBy !== 'POD') params.set('groupBy', 'host');
  return params.toString();
}

export function protocolsPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/protocols`;
}

export function networkPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/network`;
}

/** Microseconds as people read latencies. */
export function formatLatency(us: number): string {
  if (us <= 0) return '–';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio === 0 || ratio === 1 ? 0 : 1)} %`;
}

/**
 * Series from the API hold only steps with data; charts want one value per step of the window, with gaps where
 * nothing happened (null: uPlot draws a gap, not a misleading line to zero).
 */
export function alignSeries<T extends { time: string }>(
  points: readonly T[],
  stepSeconds: number,
  /** The whole window in seconds, so a lone point sits where it happened rather than filling the chart. */
  window?: { fromS: number; toS: number },
): { timestamps: number[]; at: (t: number) => T | undefined } {
  const byTime = new Map(points.map((p) => [Math.floor(Date.parse(p.time) / 1000), p]));
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const timestamps: number[] = [];
  const first = times[0];
  const last = times[times.length - 1];
  if (first !== undefined && last !== undefined) {
    // Steps line up with the points (the API buckets by step from the epoch).
    const align = (t: number) => first + Math.floor((t - first) / stepSeconds) * stepSeconds;
    const start = window ? Math.min(first, align(window.fromS) + stepSeconds) : first;
    const end = window ? Math.max(last, align(window.toS)) : last;
    for (let t = start; t <= end; t += stepSeconds) timestamps.push(t);
  }
  return { timestamps, at: (t) => byTime.get(t) };
}

/** The window a range key stands for now, in seconds, for {@link alignSeries}. */
export function windowSeconds(range: TimeRangeKey, now: Date = new Date()): { fromS: number; toS: number } {
  const w = timeWindow(range, now);
  return { fromS: Math.floor(Date.parse(w.from) / 1000), toS: Math.floor(Date.parse(w.to) / 1000) };
}
