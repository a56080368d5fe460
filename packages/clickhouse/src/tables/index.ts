import type { DictionaryDef, MaterializedViewDef, TableDef } from '../ddl/types';
import { hostMetrics } from './host-metrics';
import { l4FlowLog, l4PairMetrics } from './l4-flow-log';
import { l7FlowLog } from './l7-flow-log';
import { appMetrics, netMetrics } from './metrics';
import { otelSpans } from './otel-spans';
import { profileSamples, profileStacks } from './profiles';
import { prometheusSamples, prometheusSeries } from './prometheus';
import { ipResourceMap, ipResources, resourceNames, resources } from './resources';

export * from './common';
export { hostMetrics } from './host-metrics';
export { l4FlowLog, l4PairMetrics } from './l4-flow-log';
export { L7_PROTOCOL_ENUM, l7FlowLog } from './l7-flow-log';
export { appMetrics, netMetrics } from './metrics';
export { otelSpans } from './otel-spans';
export { profileSamples, profileStacks } from './profiles';
export { prometheusSamples, prometheusSeries } from './prometheus';
export { IP_MAPPED_KINDS, ipResourceMap, ipResources, OPEN_END, resourceNames, resources } from './resources';
export { type Measure, ROLLUP_LEVELS, type Rollup, type RollupSpec, rollup } from './rollups';

/** Applied migration versions (the migrator's own bookkeeping; every node holds it in a cluster). */
export const schemaMigrations: TableDef = {
  name: 'schema_migrations',
  columns: [
    { name: 'version', type: 'UInt32' },
    { name: 'name', type: 'String' },
    { name: 'applied_at', type: 'DateTime', default: 'now()' },
  ],
  engine: 'ReplacingMergeTree',
  orderBy: ['version'],
  retention: { class: 'none' },
  distribution: { kind: 'everywhere' },
};

/** The current definition of every object, in an order that creates dependencies first. */
export const TABLES: readonly TableDef[] = [
  l7FlowLog,
  resources,
  ipResourceMap,
  l4FlowLog,
  ...appMetrics.tables,
  ...netMetrics.tables,
  profileSamples,
  profileStacks,
  hostMetrics,
  otelSpans,
  prometheusSeries,
  prometheusSamples,
  l4PairMetrics,
];
export const MATERIALIZED_VIEWS: readonly MaterializedViewDef[] = [...appMetrics.views, ...netMetrics.views];
export const DICTIONARIES: readonly DictionaryDef[] = [resourceNames, ipResources];
