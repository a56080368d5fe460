import { apiError } from '../../graphql-errors.js';
import type { TimeRangeInput } from '../requests/dto/requests.types.js';
import type { TenantQuery } from '../telemetry/tenant-query.js';
import { type DashboardFilterInput, DashboardProtocol, DashboardSide } from './dto/dashboards.types.js';

export type RollupLevel = '1s' | '1m' | '1h';

/** Steps the console offers; a default step is the smallest that keeps a chart under MAX_DEFAULT_POINTS. */
const NICE_STEPS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const MAX_DEFAULT_POINTS = 240;
/** A caller-chosen step may ask for more points, up to this many per series. */
export const MAX_POINTS = 1500;

/**
 * The step of a series and the rollup level that can answer it: a level's bucket must divide the step, so a
 * 1-minute step reads `_1m` (tenant retention) rather than sixty times as many `_1s` rows (live retention).
 */
export function chooseStep(
  range: TimeRangeInput,
  requested?: number | null,
): { stepSeconds: number; level: RollupLevel } {
  const spanS = Math.max(1, (range.to.getTime() - range.from.getTime()) / 1000);
  let step: number;
  if (requested === undefined || requested === null) {
    step = NICE_STEPS.find((s) => spanS / s <= MAX_DEFAULT_POINTS) ?? 86400;
  } else {
    if (!Number.isInteger(requested) || requested < 1 || requested > 86400)
      throw apiError('BAD_USER_INPUT', 'stepSeconds must be a whole number from 1 to 86400', { field: 'stepSeconds' });
    if (spanS / requested > MAX_POINTS)
      throw apiError('BAD_USER_INPUT', `stepSeconds gives more than ${MAX_POINTS} points for this time range`, {
        field: 'stepSeconds',
      });
    step = requested;
  }
  const level: RollupLevel = step % 3600 === 0 ? '1h' : step % 60 === 0 ? '1m' : '1s';
  return { stepSeconds: step, level };
}

/** The stored `l7_protocol` values a protocol view reads. */
export const PROTOCOL_VALUES: Record<DashboardProtocol, readonly string[]> = {
  [DashboardProtocol.HTTP]: ['http1'],
  [DashboardProtocol.HTTP2]: ['http2'],
  [DashboardProtocol.GRPC]: ['grpc'],
  [DashboardProtocol.DNS]: ['dns'],
  [DashboardProtocol.SQL]: ['mysql', 'postgresql'],
  [DashboardProtocol.REDIS]: ['redis'],
  [DashboardProtocol.KAFKA]: ['kafka'],
  [DashboardProtocol.MQTT]: ['mqtt'],
};

const FILTER_KINDS = ['namespace', 'workload', 'pod', 'host', 'service'] as const;

const TAP_SIDE_OF: Record<DashboardSide, string> = {
  [DashboardSide.CLIENT]: 'client',
  [DashboardSide.SERVER]: 'server',
  [DashboardSide.NETWORK]: 'network',
};
export type FilterKind = (typeof FILTER_KINDS)[number];

export function checkDatabase(database: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  return database;
}

/** The name of a tag id column through the dictionary, keyed by the row's own tenant (names never cross tenants). */
export function tagName(database: string, kind: FilterKind, idExpr: string): string {
  return `dictGetOrDefault('${checkDatabase(database)}.resource_names', 'name', (tenant_id, '${kind}', ${idExpr}), '')`;
}

/**
 * Network views count every flow row for both of its parties: `FROM t ARRAY JOIN [0, 1] AS party` and this id
 * (0: the client, 1: the server). The agent's own side of a flow has no pod (flows carry no pod UID), the peer's
 * comes from its address, so reading both parties is what makes per-pod numbers exist at all.
 */
export const PARTY_JOIN = 'ARRAY JOIN [0, 1] AS party';
export function partyId(kind: string): string {
  return `if(party = 1, server_${kind}_id, client_${kind}_id)`;
}

/**
 * Narrows a query over rows with client_/server_ tag ids by resource names, each name bound. `party`: match the
 * party of PARTY_JOIN (network views, one entity per party); otherwise either party of the exchange may match.
 */
export function applyDashboardFilter(
  q: TenantQuery,
  database: string,
  filter: DashboardFilterInput | undefined | null,
  party: boolean,
): void {
  if (!filter) return;
  for (const kind of FILTER_KINDS) {
    const value = filter[kind];
    if (value === undefined || value === null) continue;
    if (party) q.where(`${tagName(database, kind, partyId(kind))} = $`, 'String', value);
    else
      q.whereAll(
        `(${tagName(database, kind, `client_${kind}_id`)} = $1 OR ${tagName(database, kind, `server_${kind}_id`)} = $1)`,
        [['String', value]],
      );
  }
  if (filter.side) q.where('tap_side = $', 'String', TAP_SIDE_OF[filter.side]);
}
