import type { TableDef } from '../ddl/types';
import { AGENT_ID, DEDUP_WINDOW, RETENTION_DAYS, SHARD_RANDOMLY, TENANT_ID, tagColumns } from './common';

/**
 * Continuous profiling: each sample points at a stack by id; a stack's frames are stored once per tenant and
 * day in `profile_stacks` (a flame graph reads the samples, sums by stack_id, then fetches those stacks).
 */
export const profileSamples: TableDef = {
  name: 'profile_samples',
  columns: [
    TENANT_ID,
    AGENT_ID,
    { name: 'time', type: "DateTime64(3, 'UTC')", codec: 'DoubleDelta, ZSTD(1)' },
    { name: 'event_type', type: "Enum8('cpu' = 1, 'off_cpu' = 2, 'mem_alloc' = 3)" },
    { name: 'pid', type: 'UInt32' },
    { name: 'tid', type: 'UInt32' },
    { name: 'process_name', type: 'LowCardinality(String)' },
    /** cityHash64 of the frames, computed by the agent. */
    { name: 'stack_id', type: 'UInt64', codec: 'ZSTD(1)' },
    /** Samples (cpu), nanoseconds (off_cpu) or bytes (mem_alloc) attributed to the stack. */
    { name: 'value', type: 'UInt64', codec: 'T64, ZSTD(1)' },
    RETENTION_DAYS,
    ...tagColumns(''),
  ],
  engine: 'MergeTree',
  partitionBy: 'toYYYYMMDD(time)',
  orderBy: ['tenant_id', 'time', 'agent_id'],
  retention: { class: 'tenant', column: 'time' },
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  distribution: SHARD_RANDOMLY,
};

/**
 * Stack frames by id. A stack is written again each day it is seen (partitions are daily, and replacing only
 * merges within one), so it lives as long as samples that point at it.
 */
export const profileStacks: TableDef = {
  name: 'profile_stacks',
  columns: [
    TENANT_ID,
    { name: 'stack_id', type: 'UInt64' },
    /** Leaf first, symbolized `module!function` (or `module+0xoffset` when symbols are missing). */
    { name: 'frames', type: 'Array(String)', codec: 'ZSTD(3)' },
    { name: 'last_seen', type: "DateTime('UTC')" },
    RETENTION_DAYS,
  ],
  engine: 'ReplacingMergeTree',
  engineArgs: ['last_seen'],
  partitionBy: 'toYYYYMMDD(last_seen)',
  orderBy: ['tenant_id', 'stack_id'],
  retention: { class: 'tenant', column: 'last_seen' },
  settings: { index_granularity: 8192 },
  deduplicationWindow: DEDUP_WINDOW,
  // Same stack, same shard: replacing can only merge copies it holds.
  distribution: { kind: 'sharded', shardingKey: 'cityHash64(tenant_id, stack_id)' },
};
