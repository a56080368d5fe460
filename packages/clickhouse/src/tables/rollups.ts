import type { ColumnDef, MaterializedViewDef, RetentionClass, TableDef } from '../ddl/types';
import { DAILY, DEDUP_WINDOW, SHARD_BY_VIEWS, TENANT_ID } from './common';

/**
 * A measure of a rollup: `raw` aggregates the source rows of one insert block; the coarser levels re-aggregate
 * the finer level's rows with the matching combinator, so 1 s → 1 m → 1 h stay exact for sums and maxima and
 * mergeable for the latency digest.
 */
export type Measure =
  /** `raw` must not read `time`: in the view's SELECT that name is the bucket, not the source column. */
  | { name: string; kind: 'sum' | 'max'; type: string; raw: string }
  /** A t-digest of latencies: `quantileTDigestMerge(0.99)(rrt_digest)` reads any quantile. */
  | { name: string; kind: 'digest'; raw: string };

export interface RollupSpec {
  /** Tables are `<name>_1s`, `<name>_1m`, `<name>_1h`. */
  name: string;
  source: TableDef;
  /** Dimensions besides tenant_id and time, copied from the source columns of the same name. */
  keys: readonly string[];
  /** Keys queries filter on first; they follow tenant_id and time in the sort key. */
  leadingKeys: readonly string[];
  measures: readonly Measure[];
}

export const ROLLUP_LEVELS = [
  { suffix: '1s', bucket: (t: string) => `toDateTime(${t})`, retention: 'live' },
  { suffix: '1m', bucket: (t: string) => `toStartOfMinute(${t})`, retention: 'tenant' },
  { suffix: '1h', bucket: (t: string) => `toStartOfHour(${t})`, retention: 'tenant' },
] as const satisfies ReadonlyArray<{ suffix: string; bucket: (t: string) => string; retention: RetentionClass }>;

function measureColumn(m: Measure): ColumnDef {
  const type =
    m.kind === 'digest'
      ? 'AggregateFunction(quantileTDigest, UInt64)'
      : `SimpleAggregateFunction(${m.kind}, ${m.type})`;
  return { name: m.name, type, codec: 'ZSTD(1)' };
}

function reaggregate(m: Measure): string {
  return m.kind === 'digest' ? `quantileTDigestMergeState(${m.name})` : `${m.kind}(${m.name})`;
}

function raw(m: Measure): string {
  return m.kind === 'digest' ? m.raw : `to${m.type}(${m.raw})`;
}

export interface Rollup {
  tables: [TableDef, TableDef, TableDef];
  views: [MaterializedViewDef, MaterializedViewDef, MaterializedViewDef];
}

/** The three rollup tables of a spec and the chain of views that fill them from the source table. */
export function rollup(spec: RollupSpec): Rollup {
  const keyColumns = spec.keys.map((name) => {
    const c = spec.source.columns.find((x) => x.name === name);
    if (!c) throw new Error(`${spec.name}: ${spec.source.name} has no column ${name}`);
    return c;
  });
  const trailing = spec.keys.filter((k) => !spec.leadingKeys.includes(k));
  const measures = [
    ...spec.measures,
    // The tenant's retention rides along so each level's TTL can read it.
    { name: 'retention_days', kind: 'max', type: 'UInt16', raw: 'max(retention_days)' } as const,
  ];
  const groupBy = ['tenant_id', 'time', ...spec.keys].join(', ');

  const tables = ROLLUP_LEVELS.map(
    (level): TableDef => ({
      name: `${spec.name}_${level.suffix}`,
      columns: [
        TENANT_ID,
        { name: 'time', type: "DateTime('UTC')", codec: 'DoubleDelta, ZSTD(1)' },
        ...keyColumns,
        ...measures.map(measureColumn),
      ],
      engine: 'AggregatingMergeTree',
      partitionBy: DAILY,
      primaryKey: ['tenant_id', 'time', ...spec.leadingKeys],
      orderBy: ['tenant_id', 'time', ...spec.leadingKeys, ...trailing],
      retention: { class: level.retention, column: 'time' },
      settings: { index_granularity: 8192 },
      // Views inherit the source insert's deduplication: a retried batch reaches no rollup twice.
      deduplicationWindow: DEDUP_WINDOW,
      distribution: SHARD_BY_VIEWS,
    }),
  ) as Rollup['tables'];

  const views = ROLLUP_LEVELS.map((level, i): MaterializedViewDef => {
    const from = i === 0 ? spec.source : (tables[i - 1] as TableDef);
    const values = measures.map((m) => `${i === 0 ? raw(m) : reaggregate(m)} AS ${m.name}`);
    return {
      name: `${spec.name}_${level.suffix}_mv`,
      from,
      to: tables[i] as TableDef,
      select: (source) =>
        `SELECT tenant_id, ${level.bucket('time')} AS time, ${spec.keys.join(', ')},\n  ${values.join(',\n  ')}\n` +
        `FROM ${source}\nGROUP BY ${groupBy}`,
    };
  }) as Rollup['views'];

  return { tables, views };
}
