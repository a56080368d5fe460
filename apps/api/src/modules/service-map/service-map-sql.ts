import type { TenantQuery } from '../telemetry/tenant-query.js';

/**
 * The SQL of the service map and the service pages, over the RED rollups (`app_metrics_*`) and the L4 rollups
 * (`net_metrics_*`). Exported apart from the Nest service so the benchmark runs exactly what the API runs.
 *
 * Counting rule: an agent on each end of a call writes its own row, so a request seen by client and server is in
 * the rollups twice (rows differ by `tap_side`). Per edge (client group → server group) we keep one observation
 * point over the whole range: the client side when the edge has any client-side row, else the server side (and
 * rows of unknown side, which only ever stand alone), else the wire (packet capture, tap side `network`). The
 * client side is preferred because it also sees requests that never reached the server (timeouts, refused
 * connections) and their latency includes the network; the wire only speaks for edges no agent process sees.
 */

/** Higher is preferred; see the counting rule above. */
const SIDE_RANK = "multiIf(tap_side = 'client', 2, tap_side = 'network', 0, 1) AS side_rank";

export const GROUPINGS = ['service', 'workload', 'pod', 'host', 'namespace'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface RollupLevel {
  suffix: '1s' | '1m' | '1h';
  seconds: number;
}

const LEVELS: RollupLevel[] = [
  { suffix: '1s', seconds: 1 },
  { suffix: '1m', seconds: 60 },
  { suffix: '1h', seconds: 3600 },
];

/** 1 s rows are kept for a day at most (the `live` retention class); stay clear of that edge. */
const LIVE_HORIZON_MS = 23 * 3600 * 1000;
/** Ranges up to this long read 1 s rows: a 15-minute map reads at most 900 buckets per key. */
const MAX_RANGE_FOR_SECONDS_MS = 30 * 60 * 1000;
/** Ranges up to this long read 1 m rows (a 1-hour map reads the 1 m table). */
const MAX_RANGE_FOR_MINUTES_MS = 2 * 24 * 3600 * 1000;

/**
 * The rollup a range reads. Without a bucket size (the map): the finest level whose row count stays small for the
 * span. With one (a chart step): the coarsest level whose bucket fits in it. Never the 1 s level for ranges older
 * than its retention.
 */
export function rollupLevelFor(fromMs: number, toMs: number, nowMs: number, bucketSeconds?: number): RollupLevel {
  const secondsKept = fromMs >= nowMs - LIVE_HORIZON_MS;
  if (bucketSeconds !== undefined) {
    const fitting = LEVELS.filter((l) => l.seconds <= bucketSeconds && (l.suffix !== '1s' || secondsKept));
    return fitting.at(-1) ?? (LEVELS[1] as RollupLevel);
  }
  const span = toMs - fromMs;
  if (span <= MAX_RANGE_FOR_SECONDS_MS && secondsKept) return LEVELS[0] as RollupLevel;
  if (span <= MAX_RANGE_FOR_MINUTES_MS) return LEVELS[1] as RollupLevel;
  return LEVELS[2] as RollupLevel;
}

/** [from, to) widened to whole buckets of the level: rollup rows are stamped with their bucket's start. */
export function alignRange(fromMs: number, toMs: number, level: RollupLevel): { fromMs: number; toMs: number } {
  const b = level.seconds * 1000;
  return { fromMs: Math.floor(fromMs / b) * b, toMs: Math.ceil(toMs / b) * b };
}

function checkIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an identifier: ${name}`);
  return name;
}

const RED_SUMS = `
    sum(request) AS requests, sum(response) AS responses, sum(client_error) AS client_errors,
    sum(server_error) AS server_errors, sum(timeout) AS timeouts, sum(rrt_sum) AS rrt_sum,
    sum(rrt_count) AS rrt_count, max(rrt_max) AS rrt_max`;

const RED_OUT = `
    sum(requests) AS requests, sum(responses) AS responses, sum(client_errors) AS client_errors,
    sum(server_errors) AS server_errors, sum(timeouts) AS timeouts, sum(rrt_sum) AS rrt_sum,
    sum(rrt_count) AS rrt_count, max(rrt_max) AS rrt_max,
    quantileTDigestMerge(0.5)(digest) AS p50, quantileTDigestMerge(0.95)(digest) AS p95,
    quantileTDigestMerge(0.99)(digest) AS p99`;

/**
 * Rows of one observation point per edge. `dims` are extra dimensions (time bucket, endpoint); the side is chosen
 * per (client, server) over the whole range, whatever the dims.
 */
function chosenObservations(table: string, q: TenantQuery, c: string, s: string, dims: string[]): string {
  const extra = dims.map((d) => `${d}, `).join('');
  const extraNames = dims.map((d) => `${d.split(' AS ').pop()}, `).join('');
  return `
  sided AS (
    SELECT ${extra}${c} AS c, ${s} AS s, ${SIDE_RANK}, ${RED_SUMS},
      any(client_namespace_id) AS c_ns, any(server_namespace_id) AS s_ns,
      quantileTDigestMergeState(rrt_digest) AS digest
    FROM ${table}
    WHERE ${q.whereSql()}
    GROUP BY ${extraNames}c, s, side_rank
  ),
  chosen AS (
    SELECT * FROM (SELECT *, max(side_rank) OVER (PARTITION BY c, s) AS edge_best_side FROM sided)
    WHERE side_rank = edge_best_side
  )`;
}

/** What the map can be narrowed by (all optional; every given field must match). */
export interface MapFilter {
  namespace?: string | null;
  service?: string | null;
  workload?: string | null;
  pod?: string | null;
  host?: string | null;
  labels?: ReadonlyArray<{ key: string; value: string; kind?: string | null }> | null;
}

const NAME_FILTERS = ['namespace', 'service', 'workload', 'pod', 'host'] as const;
const LABEL_KINDS = new Set(['namespace', 'workload', 'pod', 'host', 'service', 'cluster']);

/**
 * Ids of the tenant's resources of `kind` whose name (or label) matches, as a subquery: the set is built once, so
 * rows are filtered by integer membership instead of a dictionary read per row. Deleted resources count: their
 * telemetry keeps their ids.
 */
function idsWhere(database: string, kind: string, condition: string): string {
  return (
    `(SELECT resource_id FROM ${checkIdentifier(database)}.resources FINAL ` +
    `WHERE tenant_id = {tenant_id:UInt32} AND kind = '${checkIdentifier(kind)}' AND ${condition})`
  );
}

/**
 * Adds a filter's conditions. A tag filter matches a row when either end matches, so a filtered service keeps its
 * direct peers on the map; names and labels are the inventory's at query time; values are bound.
 */
export function applyMapFilter(
  q: TenantQuery,
  database: string,
  grouping: Grouping,
  filter: MapFilter | undefined,
): void {
  if (!filter) return;
  for (const kind of NAME_FILTERS) {
    const value = filter[kind];
    if (value == null || value === '') continue;
    const ids = idsWhere(database, kind, 'name = $1');
    q.whereAll(`client_${kind}_id IN ${ids} OR server_${kind}_id IN ${ids}`, [['String', value]]);
  }
  for (const label of filter.labels ?? []) {
    const kind = label.kind ?? grouping;
    if (!LABEL_KINDS.has(kind)) throw new Error(`labels of ${kind} are not filterable`);
    const ids = idsWhere(database, kind, 'mapContains(labels, $1) AND labels[$1] = $2');
    q.whereAll(`client_${kind}_id IN ${ids} OR server_${kind}_id IN ${ids}`, [
      ['String', label.key],
      ['String', label.value],
    ]);
  }
}

/**
 * The service map's RED query: one row per edge (`is_node = 0`, client group `c` → server group `s`) and one per
 * server node (`is_node = 1`, group `s` as a server over all its callers), from the same chosen observations.
 */
export function serviceMapRedSql(database: string, level: RollupLevel, grouping: Grouping, q: TenantQuery): string {
  const table = `${checkIdentifier(database)}.app_metrics_${level.suffix}`;
  return `
WITH ${chosenObservations(table, q, `client_${grouping}_id`, `server_${grouping}_id`, [])}
SELECT grouping(c) AS is_node, c, s, max(edge_best_side = 2) AS has_client, max(edge_best_side) AS best_side, any(c_ns) AS c_namespace, any(s_ns) AS s_namespace, ${RED_OUT}
FROM chosen
GROUP BY GROUPING SETS ((c, s), (s))`;
}

/** L4 metrics per edge on the same group keys, from the flow rollups, with the same observation-point rule. */
export function serviceMapNetSql(database: string, level: RollupLevel, grouping: Grouping, q: TenantQuery): string {
  const table = `${checkIdentifier(database)}.net_metrics_${level.suffix}`;
  return `
WITH sided AS (
  SELECT client_${grouping}_id AS c, server_${grouping}_id AS s, ${SIDE_RANK},
    sum(bytes_tx) + sum(bytes_rx) AS bytes, sum(retrans_tx) + sum(retrans_rx) AS retransmissions,
    sum(zero_win_tx) + sum(zero_win_rx) AS zero_windows, sum(resets) AS resets, sum(new_flows) AS new_flows,
    sum(rtt_sum) AS rtt_sum, sum(rtt_count) AS rtt_count, sum(conn_setup_sum) AS conn_setup_sum,
    sum(conn_setup_count) AS conn_setup_count
  FROM ${table}
  WHERE ${q.whereSql()}
  GROUP BY c, s, side_rank
)
SELECT c, s, bytes, retransmissions, zero_windows, resets, new_flows, rtt_sum, rtt_count, conn_setup_sum,
  conn_setup_count
FROM (SELECT *, max(side_rank) OVER (PARTITION BY c, s) AS edge_best_side FROM sided)
WHERE side_rank = edge_best_side`;
}

/**
 * A service (or one of its endpoints) as a server: `kind` 'range' is the one row for the whole range, 'total' rows
 * per bucket, 'endpoint' rows per endpoint (whole range), 'endpoint_t' rows per endpoint and bucket, 'caller' rows
 * per calling service (whole range).
 * The caller must have restricted `q` to the server (and endpoint); `step` is the bucket in seconds.
 */
export function serverSeriesSql(database: string, level: RollupLevel, q: TenantQuery, step: number): string {
  if (!Number.isInteger(step) || step <= 0) throw new Error('step must be a positive integer');
  const table = `${checkIdentifier(database)}.app_metrics_${level.suffix}`;
  const bucket = `toStartOfInterval(time, INTERVAL ${step} SECOND) AS t`;
  return `
WITH ${chosenObservations(table, q, 'client_service_id', 'server_service_id', [bucket, 'endpoint'])}
SELECT
  multiIf(grouping(c) = 0, 'caller', grouping(t) = 0 AND grouping(endpoint) = 0, 'endpoint_t', grouping(t) = 0, 'total',
    grouping(endpoint) = 0, 'endpoint', 'range') AS kind,
  toUnixTimestamp(t) AS bucket, endpoint, c, any(c_ns) AS c_namespace, ${RED_OUT}
FROM chosen
GROUP BY GROUPING SETS ((), (t), (endpoint), (endpoint, t), (c))`;
}

/** The services a service calls (it is the client), one row per server service, same counting rule. */
export function calleesSql(database: string, level: RollupLevel, q: TenantQuery): string {
  const table = `${checkIdentifier(database)}.app_metrics_${level.suffix}`;
  return `
WITH ${chosenObservations(table, q, 'client_service_id', 'server_service_id', [])}
SELECT s, any(s_ns) AS s_namespace, ${RED_OUT}
FROM chosen
GROUP BY s`;
}
