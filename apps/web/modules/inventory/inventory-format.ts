// How inventory resources read in the list and on their page. Pure functions, so they are tested without a browser.

import type { InventoryResource, ResourceIpInterval } from './inventory.queries';

const KIND_LABELS: Record<string, string> = {
  region: 'Region',
  az: 'Availability zone',
  vpc: 'VPC',
  subnet: 'Subnet',
  host: 'Host',
  cluster: 'Cluster',
  namespace: 'Namespace',
  workload: 'Workload',
  pod: 'Pod',
  container: 'Container',
  service: 'Service',
  load_balancer: 'Load balancer',
  application: 'Application',
  process: 'Process',
};

export function resourceKindLabel(kind: string): string {
  return Object.hasOwn(KIND_LABELS, kind) ? (KIND_LABELS[kind] as string) : kind;
}

/** A resource's labels as sorted `[key, value]` pairs; anything that is not a string value is left out. */
export function labelEntries(labels: unknown): Array<[string, string]> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return [];
  return Object.entries(labels as Record<string, unknown>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A resource's attributes as sorted `[key, text]` pairs: strings as they are, anything else as compact JSON. */
export function attributeEntries(attributes: unknown): Array<[string, string]> {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return [];
  return Object.entries(attributes as Record<string, unknown>)
    .map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : (JSON.stringify(value) ?? '')])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Addresses it holds now (no end), newest first. */
export function currentIps(ips: readonly ResourceIpInterval[]): ResourceIpInterval[] {
  return ips.filter((interval) => interval.validTo === null);
}

/**
 * The list's IP cell: the first address it holds now, and how many more it held or holds ("10.0.0.5 +2"); an
 * address it held once when it holds none now; "—" without any.
 */
export function ipSummary(ips: readonly ResourceIpInterval[]): string {
  if (ips.length === 0) return '—';
  const shown = currentIps(ips)[0] ?? ips[0];
  if (shown === undefined) return '—';
  const more = ips.length - 1;
  return more > 0 ? `${shown.ip} +${more}` : shown.ip;
}

/** `connector:<id>` → its name (when the viewer may list connectors), `agent` → "Agent". */
export function sourceLabel(source: string, connectorNames: ReadonlyMap<string, string>): string {
  if (source === 'agent') return 'Agent';
  const match = /^connector:(.+)$/.exec(source);
  if (match === null) return source;
  const id = match[1] as string;
  return connectorNames.get(id) ?? `Connector ${id.length > 8 ? `${id.slice(0, 8)}…` : id}`;
}

/**
 * The request log's filters that pick this resource's traffic: the namespace and the service (or workload) a
 * request's observed workload carries. Kinds the request log cannot filter on (hosts, VPCs …) get none.
 */
export function requestLogFilters(
  resource: Pick<InventoryResource, 'kind' | 'name'>,
  ancestors: ReadonlyArray<Pick<InventoryResource, 'kind' | 'name'>>,
): { namespace?: string; service?: string } | null {
  const namespace = resource.kind === 'namespace' ? resource.name : ancestors.find((a) => a.kind === 'namespace')?.name;
  const owner =
    resource.kind === 'service' || resource.kind === 'workload'
      ? resource.name
      : resource.kind === 'pod' || resource.kind === 'container'
        ? ancestors.find((a) => a.kind === 'workload')?.name
        : undefined;
  if (resource.kind !== 'namespace' && owner === undefined) return null;
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(owner !== undefined ? { service: owner } : {}),
  };
}

/** `/t/<slug>/requests?namespace=…&service=…` for {@link requestLogFilters}; null when no filter applies. */
export function requestLogHref(
  tenantSlug: string,
  resource: Pick<InventoryResource, 'kind' | 'name'>,
  ancestors: ReadonlyArray<Pick<InventoryResource, 'kind' | 'name'>>,
): string | null {
  const filters = requestLogFilters(resource, ancestors);
  if (filters === null) return null;
  const query = new URLSearchParams(filters).toString();
  const base = `/t/${encodeURIComponent(tenantSlug)}/requests`;
  return query === '' ? base : `${base}?${query}`;
}
