import { defineOperation } from '@/lib/graphql';

/** One resource as the API lists it; `id` is the number telemetry tag columns hold. */
export interface InventoryResource {
  id: number;
  /** region, az, vpc, subnet, host, cluster, namespace, workload, pod, container, service, load_balancer … */
  kind: string;
  externalId: string;
  name: string;
  /** A JSON object of strings (Kubernetes labels, EC2 tags, NetBox tags and custom fields). */
  labels: unknown;
  /** Everything else the source keeps (annotations, instance type, CIDR, ports …), JSON. */
  attributes: unknown;
  /** `agent`, or `connector:<id>`. */
  source: string;
  parentId: number | null;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Set once the source stopped reporting it (a tombstone: past telemetry keeps its tags). */
  deletedAt: string | null;
  updatedAt: string;
}

export interface ResourceIpInterval {
  ip: string;
  validFrom: string;
  /** Null while the resource still holds it. */
  validTo: string | null;
}

/** A list row: the resource and its addresses (the list shows the first and how many). */
export interface InventoryRow extends InventoryResource {
  ips: ResourceIpInterval[];
}

export interface InventoryResourceDetail extends InventoryRow {
  /** Parent first, then its parent … */
  ancestors: InventoryResource[];
  /** Services selecting it. */
  services: InventoryResource[];
}

export interface InventoryFilterInput {
  search?: string;
  kinds?: string[];
  label?: string;
  source?: string;
  parentId?: number;
  includeDeleted?: boolean;
}

export interface InventoryPageInput {
  first: number;
  after?: string;
}

const RESOURCE_FIELDS =
  'id kind externalId name labels attributes source parentId firstSeenAt lastSeenAt deletedAt updatedAt';
const IP_FIELDS = 'ips { ip validFrom validTo }';

export const INVENTORY_QUERY = defineOperation<
  {
    inventory: {
      edges: Array<{ cursor: string; node: InventoryRow }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  },
  { filter?: InventoryFilterInput; page: InventoryPageInput }
>(
  'Inventory',
  `query Inventory($filter: InventoryFilter, $page: InventoryPage) {
  inventory(filter: $filter, page: $page) {
    edges { cursor node { ${RESOURCE_FIELDS} ${IP_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

export const INVENTORY_RESOURCE_QUERY = defineOperation<{ inventoryResource: InventoryResourceDetail }, { id: number }>(
  'InventoryResource',
  `query InventoryResource($id: Int!) {
  inventoryResource(id: $id) {
    ${RESOURCE_FIELDS} ${IP_FIELDS}
    ancestors { ${RESOURCE_FIELDS} }
    services { ${RESOURCE_FIELDS} }
  }
}`,
);

/** The API's page limit for `inventory` (InventoryPage.first ≤ 200). */
export const INVENTORY_MAX_PAGE_SIZE = 200;
export const INVENTORY_PAGE_SIZE = 50;

export function inventoryPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/inventory`;
}

export function inventoryResourcePath(tenantSlug: string, id: number): string {
  return `${inventoryPath(tenantSlug)}/${id}`;
}
