import type { DictionaryDef, TableDef } from '../ddl/types';
import { EVERYWHERE, RESOURCE_KIND_ENUM, RESOURCE_KINDS, TAG_CODEC, TENANT_ID } from './common';

/** `valid_to` of a mapping that still holds (a DateTime far enough from its 2106 limit to add a TTL to). */
export const OPEN_END = '2100-01-01 00:00:00';

/**
 * Every resource a tenant's telemetry can be tagged with, one row per version (the newest `updated_at` wins).
 * Rows are never expired: a deleted pod's name must still resolve for the telemetry it left behind.
 * Every node holds the whole table, so the dictionaries load locally in a cluster too.
 */
export const resources: TableDef = {
  name: 'resources',
  columns: [
    TENANT_ID,
    { name: 'kind', type: RESOURCE_KIND_ENUM },
    /** Dense per tenant and kind; the `<kind>_id` tag columns hold it. */
    { name: 'resource_id', type: 'UInt32' },
    { name: 'name', type: 'String' },
    /** Its id in the source inventory (Kubernetes UID, EC2 instance id, CMDB key). */
    { name: 'external_id', type: 'String' },
    { name: 'labels', type: 'Map(LowCardinality(String), String)' },
    /** Gone from the inventory; kept so stored telemetry still shows its name. */
    { name: 'deleted', type: 'UInt8' },
    { name: 'updated_at', type: "DateTime64(3, 'UTC')" },
  ],
  engine: 'ReplacingMergeTree',
  engineArgs: ['updated_at'],
  orderBy: ['tenant_id', 'kind', 'resource_id'],
  retention: { class: 'none' },
  distribution: EVERYWHERE,
};

/** Resource kinds an IP address resolves to; `vpc` is part of the key (private ranges repeat across VPCs). */
export const IP_MAPPED_KINDS = RESOURCE_KINDS.filter((k) => k !== 'vpc');

/**
 * Which resources held an IP during [valid_from, valid_to]: pod IPs are reused, so a row's tags depend on
 * when it was observed. Closing an interval re-inserts the row with `valid_to` set and a newer `updated_at`.
 */
export const ipResourceMap: TableDef = {
  name: 'ip_resource_map',
  columns: [
    TENANT_ID,
    { name: 'vpc_id', type: 'UInt32' },
    { name: 'ip', type: 'IPv6' },
    { name: 'valid_from', type: "DateTime('UTC')" },
    { name: 'valid_to', type: "DateTime('UTC')", default: `toDateTime('${OPEN_END}', 'UTC')` },
    ...IP_MAPPED_KINDS.map((k) => ({ name: `${k}_id`, type: 'UInt32', codec: TAG_CODEC })),
    { name: 'updated_at', type: "DateTime64(3, 'UTC')" },
  ],
  engine: 'ReplacingMergeTree',
  engineArgs: ['updated_at'],
  orderBy: ['tenant_id', 'vpc_id', 'ip', 'valid_from'],
  retention: { class: 'mapping', column: 'valid_to' },
  distribution: EVERYWHERE,
};

/**
 * Name and labels of a resource:
 * `dictGet('<db>.resource_names', 'name', (tenant_id, 'pod', server_pod_id))` (see `resourceNameSql`).
 */
export const resourceNames: DictionaryDef = {
  name: 'resource_names',
  columns: [
    { name: 'tenant_id', type: 'UInt32' },
    { name: 'kind', type: 'String' },
    { name: 'resource_id', type: 'UInt32' },
    { name: 'name', type: 'String' },
    { name: 'labels', type: 'Map(String, String)' },
    { name: 'deleted', type: 'UInt8' },
  ],
  primaryKey: ['tenant_id', 'kind', 'resource_id'],
  source: resources,
  // FINAL: the dictionary must see one row per resource, the newest.
  query: (table) => `SELECT tenant_id, toString(kind) AS kind, resource_id, name, labels, deleted FROM ${table} FINAL`,
  layout: 'COMPLEX_KEY_HASHED()',
  lifetime: { min: 30, max: 60 },
};

/**
 * The resources holding an IP at a time:
 * `dictGet('<db>.ip_resources', 'pod_id', (tenant_id, vpc_id, ip), time)`. Where intervals touch or overlap
 * (a new pod got the IP before the old mapping was closed) the one that started last wins.
 */
export const ipResources: DictionaryDef = {
  name: 'ip_resources',
  columns: [
    { name: 'tenant_id', type: 'UInt32' },
    { name: 'vpc_id', type: 'UInt32' },
    { name: 'ip', type: 'IPv6' },
    { name: 'valid_from', type: 'DateTime' },
    { name: 'valid_to', type: 'DateTime' },
    ...IP_MAPPED_KINDS.map((k) => ({ name: `${k}_id`, type: 'UInt32' })),
  ],
  primaryKey: ['tenant_id', 'vpc_id', 'ip'],
  source: ipResourceMap,
  query: (table) =>
    `SELECT tenant_id, vpc_id, ip, valid_from, valid_to, ${IP_MAPPED_KINDS.map((k) => `${k}_id`).join(', ')} ` +
    `FROM ${table} FINAL`,
  layout: "COMPLEX_KEY_RANGE_HASHED(range_lookup_strategy 'max')",
  range: { min: 'valid_from', max: 'valid_to' },
  lifetime: { min: 30, max: 60 },
};
