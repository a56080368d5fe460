import { type ClickHouseHandle, resourceNameSql } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import { taggedColumns } from '../authz/telemetry-scope.js';
import type { TimeRangeInput } from '../requests/dto/requests.types.js';
import type { TenantQuery } from '../telemetry/tenant-query.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';
import type {
  Profile,
  ProfileDiff,
  ProfileFilterInput,
  ProfileSelectionInput,
  ProfileSources,
} from './dto/profiles.types.js';
import { resourceNameCondition } from './resource-filter.js';
import { foldStacks, functionTotals, type WeightedStack } from './stack-folding.js';

/** Distinct stacks read per selection, largest first; the rest is summed into one "other" under the root. */
export const MAX_STACKS = 50_000;
/** Nodes below this share of the total are merged: they would be under a pixel wide anyway. */
const MIN_NODE_SHARE = 0.0001;
const TOP_FUNCTIONS = 50;
const UNKNOWN_STACK = '[unknown stack]';

interface Aggregated {
  stacks: Map<string, string[]>;
  values: Map<string, number>;
  total: number;
  distinct: number;
  /** Value of stacks past MAX_STACKS. */
  unlisted: number;
}

const EMPTY: Aggregated = { stacks: new Map(), values: new Map(), total: 0, distinct: 0, unlisted: 0 };

@Injectable()
export class ProfilesService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  async profile(viewer: Viewer, range: TimeRangeInput, filter: ProfileFilterInput | undefined, maxNodes: number) {
    const agg = await this.aggregate(viewer, range, filter);
    const stacks: WeightedStack[] = [...agg.values].map(([id, v]) => ({
      frames: agg.stacks.get(id) ?? [UNKNOWN_STACK],
      values: [v],
    }));
    const nodes = foldStacks(stacks, 1, { maxNodes, minShare: MIN_NODE_SHARE }, [agg.unlisted]);
    const result: Profile = {
      total: agg.total,
      stacks: agg.distinct,
      truncated: nodes.some((n) => n.other),
      nodes: nodes.map((n) => ({
        id: n.id,
        parentId: n.parentId,
        name: n.name,
        depth: n.depth,
        value: n.values[0] as number,
        selfValue: n.selfValues[0] as number,
        other: n.other,
      })),
      topFunctions: functionTotals(stacks, 1, TOP_FUNCTIONS).map((f) => ({
        name: f.name,
        selfValue: f.selfValues[0] as number,
        totalValue: f.totalValues[0] as number,
      })),
    };
    return result;
  }

  async diff(
    viewer: Viewer,
    base: ProfileSelectionInput,
    comparison: ProfileSelectionInput,
    maxNodes: number,
  ): Promise<ProfileDiff> {
    const b = await this.aggregate(viewer, base.timeRange, base.filter);
    const c = await this.aggregate(viewer, comparison.timeRange, comparison.filter);
    const ids = new Set([...b.values.keys(), ...c.values.keys()]);
    const stacks: WeightedStack[] = [...ids].map((id) => ({
      frames: c.stacks.get(id) ?? b.stacks.get(id) ?? [UNKNOWN_STACK],
      values: [b.values.get(id) ?? 0, c.values.get(id) ?? 0],
    }));
    const nodes = foldStacks(stacks, 2, { maxNodes, minShare: MIN_NODE_SHARE }, [b.unlisted, c.unlisted]);
    // Normalised by totals: the base is scaled to the comparison's total, so a longer or busier range does not
    // read as growth everywhere.
    const scale = b.total > 0 ? c.total / b.total : 0;
    return {
      total: c.total,
      baseTotal: b.total,
      truncated: nodes.some((n) => n.other),
      nodes: nodes.map((n) => ({
        id: n.id,
        parentId: n.parentId,
        name: n.name,
        depth: n.depth,
        value: n.values[1] as number,
        baseValue: n.values[0] as number,
        selfValue: n.selfValues[1] as number,
        baseSelfValue: n.selfValues[0] as number,
        delta: (n.selfValues[1] as number) - (n.selfValues[0] as number) * scale,
        other: n.other,
      })),
      topFunctions: functionTotals(stacks, 2, TOP_FUNCTIONS).map((f) => ({
        name: f.name,
        selfValue: f.selfValues[1] as number,
        baseSelfValue: f.selfValues[0] as number,
      })),
    };
  }

  async sources(
    viewer: Viewer,
    range: TimeRangeInput,
    filter: ProfileFilterInput | undefined,
  ): Promise<ProfileSources> {
    const q = await this.scoped(viewer, range, filter);
    if (!q) return { services: [], processes: [] };
    const db = this.ch.database;
    const rs = await this.ch.client.query({
      query: `
        SELECT arraySort(groupUniqArray(500)(process_name)) AS processes,
               arraySort(arrayFilter(x -> x != '', groupUniqArray(500)(${resourceNameSql(db, 'service', 'service_id')}))) AS services
        FROM ${db}.profile_samples
        WHERE ${q.whereSql()}`,
      query_params: q.queryParams(),
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ processes: string[]; services: string[] }>();
    return { services: row?.services ?? [], processes: row?.processes ?? [] };
  }

  /** The samples a viewer may read for a selection, or null when the policies allow none of them. */
  private async scoped(
    viewer: Viewer,
    range: TimeRangeInput,
    filter: ProfileFilterInput | undefined,
  ): Promise<TenantQuery | null> {
    const db = this.ch.database;
    const q = tenantQueryInRange(viewer.tenantId, range);
    q.where('event_type = $', 'String', filter?.eventType ?? 'cpu');
    if (filter?.process != null) q.where('process_name = $', 'String', filter.process);
    if (filter?.pid != null) q.where('pid = $', 'UInt32', filter.pid);
    if (filter?.service != null)
      q.where(resourceNameCondition(db, 'service', ['service_id']), 'String', filter.service);
    if (filter?.pod != null) q.where(resourceNameCondition(db, 'pod', ['pod_id']), 'String', filter.pod);
    if (filter?.host != null) q.where(resourceNameCondition(db, 'host', ['host_id']), 'String', filter.host);
    if (filter?.namespace != null)
      q.where(resourceNameCondition(db, 'namespace', ['namespace_id']), 'String', filter.namespace);
    // One-sided rows: the profiled process is the only party.
    if ((await this.authz.scopeTelemetry(viewer, q, [taggedColumns(db, '')])) === 'none') return null;
    return q;
  }

  /** Sums values by stack in ClickHouse and fetches the frames of those stacks only. */
  private async aggregate(
    viewer: Viewer,
    range: TimeRangeInput,
    filter: ProfileFilterInput | undefined,
  ): Promise<Aggregated> {
    const q = await this.scoped(viewer, range, filter);
    if (!q) return EMPTY;
    const db = this.ch.database;
    const where = q.whereSql();
    const totals = await this.ch.client.query({
      query: `SELECT toString(sum(value)) AS total, uniqExact(stack_id) AS distinct_stacks
              FROM ${db}.profile_samples WHERE ${where}`,
      query_params: q.queryParams(),
      format: 'JSONEachRow',
    });
    const [t] = await totals.json<{ total: string; distinct_stacks: string }>();
    const total = Number(t?.total ?? 0);
    if (total === 0) return EMPTY;
    const rs = await this.ch.client.query({
      query: `
        SELECT toString(s.stack_id) AS stack_id, toString(s.v) AS value, k.frames AS frames
        FROM (
          SELECT stack_id, sum(value) AS v FROM ${db}.profile_samples WHERE ${where}
          GROUP BY stack_id ORDER BY v DESC, stack_id LIMIT {max_stacks:UInt32}
        ) AS s
        LEFT JOIN (
          SELECT stack_id, argMax(frames, last_seen) AS frames FROM ${db}.profile_stacks
          WHERE tenant_id = {tenant_id:UInt32}
            AND stack_id IN (SELECT stack_id FROM ${db}.profile_samples WHERE ${where})
          GROUP BY stack_id
        ) AS k ON k.stack_id = s.stack_id`,
      query_params: { ...q.queryParams(), max_stacks: MAX_STACKS },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ stack_id: string; value: string; frames: string[] }>();
    const stacks = new Map<string, string[]>();
    const values = new Map<string, number>();
    let listed = 0;
    for (const r of rows) {
      const v = Number(r.value);
      listed += v;
      values.set(r.stack_id, v);
      if (r.frames.length > 0) stacks.set(r.stack_id, r.frames);
    }
    return { stacks, values, total, distinct: Number(t?.distinct_stacks ?? 0), unlisted: total - listed };
  }
}
