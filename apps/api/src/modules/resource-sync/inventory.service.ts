import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import type {
  InventoryFilter,
  InventoryResource,
  InventoryResourceConnection,
  ResourceIpInterval,
} from './dto/inventory.types.js';

const SELECT = {
  id: true,
  kind: true,
  externalId: true,
  name: true,
  labels: true,
  attributes: true,
  source: true,
  parentId: true,
  firstSeenAt: true,
  lastSeenAt: true,
  deletedAt: true,
  updatedAt: true,
} as const;

/** Ancestors shown at most (the deepest real chain is 6). */
const MAX_CHAIN = 8;

/** IP intervals shown per resource (a pod's address history can be long). */
const MAX_IPS = 200;

/**
 * The resource inventory: what connectors and agents reported, searchable, newest id first (keyset on id, which
 * the tag columns hold, so a resource found here is the id to filter telemetry by). Every query carries the
 * viewer's tenant; another tenant's id answers NOT_FOUND.
 */
@Injectable()
export class InventoryService {
  /** IP intervals a page loaded for its rows at once, read by `ips` instead of one query per row. */
  private readonly pageIps = new WeakMap<InventoryResource, ResourceIpInterval[]>();

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  /** `withIps`: the query selects the rows' IPs, so they are loaded for the whole page in one statement. */
  async list(
    viewer: Viewer,
    filter: InventoryFilter | undefined,
    first: number,
    after?: string,
    withIps = false,
  ): Promise<InventoryResourceConnection> {
    await this.authz.authorize(viewer, 'read', 'InventoryResource', { what: 'reading the inventory' });
    const f: InventoryFilter = filter ?? {};
    const label = f.label ? parseLabel(f.label) : undefined;
    const rows = await this.prisma.resource.findMany({
      where: {
        tenantId: viewer.tenantId,
        ...(f.includeDeleted ? {} : { deletedAt: null }),
        ...(f.kinds?.length ? { kind: { in: f.kinds } } : {}),
        ...(f.source ? { source: f.source } : {}),
        ...(f.parentId !== undefined && f.parentId !== null ? { parentId: f.parentId } : {}),
        ...(f.search
          ? {
              OR: [
                { name: { contains: f.search, mode: 'insensitive' as const } },
                { externalId: { contains: f.search, mode: 'insensitive' as const } },
              ],
            }
          : {}),
        ...(label
          ? label.value === undefined
            ? { labels: { path: [label.key], not: 'null' as never } }
            : { labels: { path: [label.key], equals: label.value } }
          : {}),
        ...(after ? { id: { lt: Number(after) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: first + 1,
      select: SELECT,
    });
    const edges = rows.slice(0, first).map((r) => ({ cursor: String(r.id), node: r as InventoryResource }));
    if (withIps && edges.length > 0)
      await this.preloadIps(
        viewer.tenantId,
        edges.map((e) => e.node),
      );
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  async get(viewer: Viewer, id: number): Promise<InventoryResource> {
    await this.authz.authorize(viewer, 'read', 'InventoryResource', { what: 'reading the inventory' });
    const row = await this.prisma.resource.findFirst({ where: { id, tenantId: viewer.tenantId }, select: SELECT });
    if (!row) throw apiError('NOT_FOUND', 'no such resource');
    return row as InventoryResource;
  }

  /** Parent, grandparent … (nearest first), in one recursive query bounded in depth. */
  async ancestors(tenantId: number, r: InventoryResource): Promise<InventoryResource[]> {
    if (r.parentId === null) return [];
    const ids = await this.prisma.$queryRaw<{ id: number; depth: number }[]>`
      WITH RECURSIVE chain(id, parent, depth) AS (
        SELECT "id", "parentId", 1 FROM "Resource" WHERE "tenantId" = ${tenantId} AND "id" = ${r.parentId}
        UNION ALL
        SELECT x."id", x."parentId", c.depth + 1 FROM chain c
        JOIN "Resource" x ON x."id" = c.parent AND x."tenantId" = ${tenantId}
        WHERE c.depth < ${MAX_CHAIN}
      )
      SELECT id, depth FROM chain`;
    const rows = await this.prisma.resource.findMany({
      where: { tenantId, id: { in: ids.map((i) => i.id) } },
      select: SELECT,
    });
    const depth = new Map(ids.map((i) => [i.id, i.depth]));
    return (rows as InventoryResource[]).sort((a, b) => (depth.get(a.id) ?? 0) - (depth.get(b.id) ?? 0));
  }

  /** Its IP intervals, newest first (from the page's preload when the list had them). */
  async ips(tenantId: number, r: InventoryResource): Promise<ResourceIpInterval[]> {
    const preloaded = this.pageIps.get(r);
    if (preloaded) return preloaded;
    return this.prisma.resourceIp.findMany({
      where: { tenantId, resourceId: r.id },
      orderBy: [{ validFrom: 'desc' }],
      take: MAX_IPS,
      select: { ip: true, validFrom: true, validTo: true },
    });
  }

  /** The newest MAX_IPS intervals of every row of a page, in one statement. */
  private async preloadIps(tenantId: number, rows: InventoryResource[]): Promise<void> {
    const found = await this.prisma.$queryRaw<(ResourceIpInterval & { resourceId: number })[]>`
      SELECT "resourceId", "ip", "validFrom", "validTo" FROM (
        SELECT "id", "resourceId", "ip", "validFrom", "validTo",
               row_number() OVER (PARTITION BY "resourceId" ORDER BY "validFrom" DESC, "id" DESC) AS n
        FROM "ResourceIp"
        WHERE "tenantId" = ${tenantId} AND "resourceId" = ANY(${rows.map((r) => r.id)}::int[])
      ) x
      WHERE n <= ${MAX_IPS}
      ORDER BY "resourceId", "validFrom" DESC, "id" DESC`;
    const byId = new Map<number, ResourceIpInterval[]>();
    for (const r of rows) {
      const list: ResourceIpInterval[] = [];
      byId.set(r.id, list);
      this.pageIps.set(r, list);
    }
    for (const f of found) byId.get(f.resourceId)?.push({ ip: f.ip, validFrom: f.validFrom, validTo: f.validTo });
  }

  /** The services a resource is a member of (Kubernetes endpoint slices). */
  async services(tenantId: number, r: InventoryResource): Promise<InventoryResource[]> {
    const members = await this.prisma.resourceMember.findMany({
      where: { tenantId, memberKind: r.kind, memberExternalId: r.externalId },
      select: { serviceId: true },
      take: 100,
    });
    if (members.length === 0) return [];
    return (await this.prisma.resource.findMany({
      where: { tenantId, id: { in: members.map((m) => m.serviceId) } },
      select: SELECT,
    })) as InventoryResource[];
  }
}

function parseLabel(text: string): { key: string; value?: string } {
  const i = text.indexOf('=');
  const key = (i < 0 ? text : text.slice(0, i)).trim();
  if (!key) throw apiError('BAD_USER_INPUT', 'label filter needs a key', { field: 'label' });
  return i < 0 ? { key } : { key, value: text.slice(i + 1) };
}
