import type { GroupBy, MapEdge, MapNode, Red, TimeRangeInput } from './service-map.queries';

export const MAP_TIME_RANGES = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last 1 hour', ms: 60 * 60_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 60 * 60_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
] as const;

export type MapRangeKey = (typeof MAP_TIME_RANGES)[number]['value'];
export const DEFAULT_MAP_RANGE: MapRangeKey = '1h';

export const GROUPINGS: ReadonlyArray<{ value: GroupBy; label: string }> = [
  { value: 'SERVICE', label: 'Service' },
  { value: 'WORKLOAD', label: 'Workload' },
  { value: 'POD', label: 'Pod' },
  { value: 'HOST', label: 'Host' },
  { value: 'NAMESPACE', label: 'Namespace' },
];

type SearchParamValue = string | string[] | undefined;
const first = (v: SearchParamValue): string | undefined => (Array.isArray(v) ? v[0] : v);

export function parseRange(raw: SearchParamValue): MapRangeKey {
  const v = first(raw);
  return MAP_TIME_RANGES.find((r) => r.value === v)?.value ?? DEFAULT_MAP_RANGE;
}

export function parseGroupBy(raw: SearchParamValue): GroupBy {
  const v = first(raw)?.toUpperCase();
  return GROUPINGS.find((g) => g.value === v)?.value ?? 'SERVICE';
}

/** The window ending now; computed at fetch time so a refresh slides it forward. */
export function mapWindow(key: MapRangeKey, now: Date = new Date()): TimeRangeInput {
  const ms = MAP_TIME_RANGES.find((r) => r.value === key)?.ms ?? 3600_000;
  return { from: new Date(now.getTime() - ms).toISOString(), to: now.toISOString() };
}

/** `?range=…&group=…` with defaults left out, so a plain link shows the defaults. */
export function mapSearch(range: MapRangeKey, groupBy?: GroupBy): string {
  const params = new URLSearchParams();
  if (range !== DEFAULT_MAP_RANGE) params.set('range', range);
  if (groupBy && groupBy !== 'SERVICE') params.set('group', groupBy.toLowerCase());
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0 req/s';
  if (perSecond >= 100) return `${perSecond.toFixed(0)} req/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)} req/s`;
  if (perSecond >= 0.01) return `${perSecond.toFixed(2)} req/s`;
  return `${(perSecond * 60).toFixed(2)} req/min`;
}

export function formatPercent(ratio: number): string {
  if (ratio === 0) return '0%';
  const p = ratio * 100;
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function formatLatency(us: number): string {
  if (us === 0) return '–';
  if (us < 1000) return `${us.toFixed(0)} µs`;
  const ms = us / 1000;
  if (ms < 1000) return `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Health of a node or edge from its error rate: the colour of its outline and the word beside it. */
export function health(red: Red): 'ok' | 'warn' | 'bad' | 'idle' {
  if (red.requests === 0) return 'idle';
  if (red.errorRate >= 0.05) return 'bad';
  if (red.errorRate > 0) return 'warn';
  return 'ok';
}

/** What the edge tooltip lists: label and value pairs, L4 figures when the flow rollups cover the pair. */
export function edgeMetricRows(edge: MapEdge): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Requests', `${edge.red.requests} (${formatRate(edge.red.requestRate)})`],
    ['Errors', formatPercent(edge.red.errorRate)],
    ['Latency p50', formatLatency(edge.red.latencyP50Us)],
    ['Latency p95', formatLatency(edge.red.latencyP95Us)],
    ['Latency p99', formatLatency(edge.red.latencyP99Us)],
    ['Observed at', edge.observedAt === 'client' ? 'client side' : 'server side'],
  ];
  if (edge.net) {
    rows.push(
      ['Bytes', formatBytes(edge.net.bytes)],
      ['Retransmissions', String(edge.net.retransmissions)],
      ['Resets', String(edge.net.resets)],
      ['RTT', formatLatency(edge.net.rttMeanUs)],
      ['Connection setup', formatLatency(edge.net.connectionSetupMeanUs)],
    );
  }
  return rows;
}

export function nodeLabel(node: MapNode): string {
  return node.namespace ? `${node.namespace}/${node.name}` : node.name;
}
