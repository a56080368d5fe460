/**
 * The declarative model every ClickHouse object is written in once and rendered either to single-node DDL
 * (embedded chDB or one server) or to cluster DDL (ON CLUSTER, Replicated*MergeTree, Distributed).
 */

/** Where DDL is rendered for. */
export interface RenderTarget {
  /** Database holding Bathyscope objects (an identifier). */
  database: string;
  /**
   * Cluster name for `ON CLUSTER` and `Distributed(...)`, e.g. `{cluster}` (a server macro) or a literal name
   * from `remote_servers`. Undefined renders single-node DDL.
   */
  cluster?: string;
}

export interface ColumnDef {
  name: string;
  /** ClickHouse type, e.g. `LowCardinality(String)`. */
  type: string;
  /** DEFAULT expression; columns added later need one unless the type's zero value is the right default. */
  default?: string;
  /** Codec list without `CODEC(...)`, e.g. `DoubleDelta, ZSTD(1)`. */
  codec?: string;
}

export interface IndexDef {
  name: string;
  expression: string;
  /** e.g. `bloom_filter(0.01)`. */
  type: string;
  granularity: number;
}

/** Engines a table may use; cluster mode renders the `Replicated` variant of each. */
export type EngineFamily = 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree';

/**
 * How long rows live:
 * - `tenant`: the tenant's retention, stamped on each row at ingest as `retention_days`;
 * - `live`: at most one day (and never longer than the tenant's retention) — 1 s rollups feed live views only;
 * - `mapping`: a closed resource mapping is kept as long as the longest plan keeps telemetry that may refer to it;
 * - `none`: kept until the control plane deletes it (resource names must outlive the rows that use them).
 */
export type RetentionClass = 'tenant' | 'live' | 'mapping' | 'none';

export type Distribution =
  /**
   * Rows are spread over shards: a `<name>_local` Replicated table per shard plus a Distributed `<name>`.
   * Without a sharding key the Distributed table only reads (rollups are written by views on each shard).
   */
  | { kind: 'sharded'; shardingKey?: string }
  /** Small tables every node holds in full (dictionary sources): one replication group, no Distributed table. */
  | { kind: 'everywhere' };

export interface TableDef {
  name: string;
  /**
   * Columns in storage order. ADD COLUMN appends, so columns added by later migrations are listed after the
   * ones that existed before them; that keeps a fresh table identical to an upgraded one.
   */
  columns: readonly ColumnDef[];
  engine: EngineFamily;
  /** Engine arguments after the replication path, e.g. the version column of ReplacingMergeTree. */
  engineArgs?: readonly string[];
  partitionBy?: string;
  orderBy: readonly string[];
  /** A prefix of `orderBy` when the sort key is wider than what queries filter on (keeps the index small). */
  primaryKey?: readonly string[];
  retention: { class: RetentionClass; column?: string };
  indexes?: readonly IndexDef[];
  settings?: Readonly<Record<string, number | string>>;
  /**
   * Inserts retried with the same `insert_deduplication_token` within this many blocks are stored once
   * (`non_replicated_deduplication_window` single-node, `replicated_deduplication_window` in a cluster).
   */
  deduplicationWindow?: number;
  distribution: Distribution;
}

export interface MaterializedViewDef {
  name: string;
  /** The table the view writes to. */
  to: TableDef;
  /** The table whose inserts trigger the view. */
  from: TableDef;
  /** The SELECT; `source` is the physical name of `from` in the target mode. */
  select: (source: string) => string;
}

export interface DictionaryAttribute {
  name: string;
  type: string;
}

export interface DictionaryDef {
  name: string;
  /** Key columns first, then range bounds (if any), then attributes. */
  columns: readonly DictionaryAttribute[];
  primaryKey: readonly string[];
  /** Query against the source table; `table` is its physical name (identical in both modes). */
  source: TableDef;
  query: (table: string) => string;
  /** e.g. `COMPLEX_KEY_HASHED()`. */
  layout: string;
  range?: { min: string; max: string };
  lifetime: { min: number; max: number };
}
