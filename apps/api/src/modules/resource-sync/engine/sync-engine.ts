import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import type { DiscoveredResource, ResourceKey, SourceChange, SourceListing } from '../sources/source-types.js';
import { mirrorIpMappings, mirrorResources, PendingMirrorWrites } from './clickhouse-mirror.js';
import { type StoredResource, upsertResources } from './resource-upsert.js';

/** What one apply changed; written to the connector's status and returned by runNow. */
export interface SyncCounts {
  seen: number;
  created: number;
  updated: number;
  deleted: number;
  ipsOpened: number;
  ipsClosed: number;
}

export const emptyCounts = (): SyncCounts => ({
  seen: 0,
  created: 0,
  updated: 0,
  deleted: 0,
  ipsOpened: 0,
  ipsClosed: 0,
});

/** Rows per statement: the arrays travel as one parameter each, this only bounds one statement's memory. */
const CHUNK = 20_000;

/** A listing that wrote this many rows changed the tables' shape enough to refresh planner statistics. */
const ANALYZE_AFTER_ROWS = 5_000;

export const connectorSource = (connectorId: string) => `connector:${connectorId}`;
const keyOf = (k: { kind: string; externalId: string }) => `${k.kind}\u0000${k.externalId}`;

/** Tells ingest that a tenant's resources changed (Redis pub/sub; see apps/ingest/src/tagging/invalidation.ts). */
export type InvalidationPublisher = (tenantId: number) => Promise<void>;

interface OpenMapping {
  id: bigint;
  ip: string;
  resourceId: number;
  validFrom: Date;
}

/**
 * Applies what a connector source found to the resource model as an incremental diff: only changed rows are
 * written, vanished resources are tombstoned (never deleted, so stored telemetry keeps resolving their names), and
 * IP mappings are closed/opened with validity intervals, so last week's rows keep last week's tags. Every step is
 * a set statement over unnest()ed arrays: a 100k-pod listing costs a handful of round trips, not 100k.
 * A listing reaches this class only when it is complete; a failed or partial one never does (see ConnectorRunner).
 */
export class ResourceSyncEngine {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ch: ClickHouseHandle,
    private readonly publish: InvalidationPublisher,
  ) {}

  /** A complete listing: everything the connector reported before and is missing now is tombstoned. */
  async applyListing(tenantId: number, connectorId: string, listing: SourceListing): Promise<SyncCounts> {
    const source = connectorSource(connectorId);
    const resources = dedupe(listing.resources);
    const counts = emptyCounts();
    counts.seen = resources.length;
    const mirrors = new PendingMirrorWrites();
    const stored = await this.upsertAll(tenantId, source, resources, counts, mirrors);
    // Vanished = owned and live before, not listed now. The set difference is taken here (hash set) rather than
    // as NOT IN/NOT EXISTS over a 100k-element array, which the planner runs as a nested loop.
    const kept = new Set<number>();
    for (const s of stored.values()) kept.add(s.id);
    const owned = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT "id" FROM "Resource" WHERE "tenantId" = ${tenantId} AND "source" = ${source} AND "deletedAt" IS NULL`;
    const goneIds = owned.map((o) => o.id).filter((id) => !kept.has(id));
    const gone: StoredResource[] = [];
    for (let i = 0; i < goneIds.length; i += CHUNK) {
      gone.push(
        ...(await this.prisma.$queryRaw<StoredResource[]>`
          UPDATE "Resource" SET "deletedAt" = now(), "updatedAt" = now()
          WHERE "tenantId" = ${tenantId} AND "source" = ${source} AND "deletedAt" IS NULL
            AND "id" = ANY(${goneIds.slice(i, i + CHUNK)}::int[])
          RETURNING "id", "kind", "externalId", "name", "labels", true AS deleted`),
      );
    }
    counts.deleted = gone.length;

    // IPs: the desired open mappings of every resource this connector owns (vanished ones hold none).
    const desired = new Map<number, string[]>();
    for (const r of resources) {
      const s = stored.get(keyOf(r));
      if (s) desired.set(s.id, [...(r.ips ?? [])]);
    }
    for (const g of gone) desired.set(g.id, []);
    await this.reconcileIps(tenantId, desired, kindsById(stored, gone), ipsSince(resources, stored), counts, mirrors);

    await this.replaceMembers(tenantId, source, null, resources, stored);

    mirrors.add(mirrorResources(this.ch, tenantId, gone));
    await mirrors.settle();
    if (counts.created + counts.deleted + counts.ipsOpened + counts.ipsClosed >= ANALYZE_AFTER_ROWS) {
      await this.analyze();
    }
    if (counts.created + counts.updated + counts.deleted + counts.ipsOpened + counts.ipsClosed > 0) {
      await this.publish(tenantId);
    }
    return counts;
  }

  /**
   * Fresh planner statistics after a bulk load. Without them a tenant that just gained 100k rows still looks empty,
   * and the watch path's `resourceId = ANY(…)` reads walk every open mapping of the tenant through the partial
   * unique index (23 ms per 100-change batch at 100k pods, 0.5 ms after ANALYZE). Autovacuum would get there,
   * but minutes later, while the watch stream starts right after the first listing.
   */
  private async analyze(): Promise<void> {
    await this.prisma.$executeRaw`ANALYZE "Resource", "ResourceIp", "ResourceMember"`;
  }

  /** Watch events, in order: upserts and deletes of single resources; nothing else is touched. */
  async applyChanges(tenantId: number, connectorId: string, changes: readonly SourceChange[]): Promise<SyncCounts> {
    const source = connectorSource(connectorId);
    const counts = emptyCounts();
    // The last event per resource wins: a batch of ADDED+MODIFIED+DELETED for one pod is its final state.
    const last = new Map<string, SourceChange>();
    for (const c of changes) {
      if (c.type === 'cursor') continue;
      const key = keyOf(c.type === 'upsert' ? c.resource : c.key);
      last.delete(key);
      last.set(key, c);
    }
    const upserts: DiscoveredResource[] = [];
    const deletes: ResourceKey[] = [];
    for (const c of last.values()) {
      if (c.type === 'upsert') upserts.push(c.resource);
      else if (c.type === 'delete') deletes.push(c.key);
    }
    counts.seen = upserts.length + deletes.length;
    const mirrors = new PendingMirrorWrites();
    const stored = await this.upsertAll(tenantId, source, upserts, counts, mirrors);
    const desired = new Map<number, string[]>();
    for (const r of upserts) {
      const s = stored.get(keyOf(r));
      if (s) desired.set(s.id, [...(r.ips ?? [])]);
    }
    let gone: StoredResource[] = [];
    if (deletes.length > 0) {
      gone = await this.prisma.$queryRaw<StoredResource[]>`
        UPDATE "Resource" r SET "deletedAt" = now(), "updatedAt" = now()
        FROM unnest(${deletes.map((d) => d.kind)}::text[], ${deletes.map((d) => d.externalId)}::text[])
             AS t(kind, external_id)
        WHERE r."tenantId" = ${tenantId} AND r."source" = ${source} AND r."deletedAt" IS NULL
          AND r."kind" = t.kind AND r."externalId" = t.external_id
        RETURNING r."id", r."kind", r."externalId", r."name", r."labels", true AS deleted`;
      counts.deleted = gone.length;
      for (const g of gone) desired.set(g.id, []);
    }
    await this.reconcileIps(tenantId, desired, kindsById(stored, gone), ipsSince(upserts, stored), counts, mirrors);

    const services = [...upserts.filter((r) => r.members !== undefined), ...gone.filter((g) => g.kind === 'service')];
    const serviceIds = services.map((s) => ('id' in s ? s.id : stored.get(keyOf(s))?.id)).filter(isNumber);
    if (serviceIds.length > 0) {
      await this.replaceMembers(tenantId, source, serviceIds, upserts, stored);
    }
    mirrors.add(mirrorResources(this.ch, tenantId, gone));
    await mirrors.settle();
    if (
      counts.created + counts.updated + counts.deleted + counts.ipsOpened + counts.ipsClosed + serviceIds.length >
      0
    ) {
      await this.publish(tenantId);
    }
    return counts;
  }

  /** Upserts in chunks, then sets parents (which may be in another chunk or already stored). */
  private async upsertAll(
    tenantId: number,
    source: string,
    resources: DiscoveredResource[],
    counts: SyncCounts,
    mirrors: PendingMirrorWrites,
  ): Promise<Map<string, StoredResource>> {
    const stored = new Map<string, StoredResource>();
    const changed: StoredResource[] = [];
    for (let i = 0; i < resources.length; i += CHUNK) {
      const rows = await upsertResources(this.prisma, tenantId, source, resources.slice(i, i + CHUNK));
      for (const row of rows) {
        stored.set(keyOf(row), row);
        if (row.created) counts.created++;
        else if (row.changed) counts.updated++;
        if (row.created || row.changed) changed.push(row);
      }
    }
    // Parents named by key: those not in this batch are looked up (a pod event names a namespace stored earlier).
    const unknown = new Map<string, ResourceKey>();
    for (const r of resources) if (r.parent && !stored.has(keyOf(r.parent))) unknown.set(keyOf(r.parent), r.parent);
    const parentIds = new Map<string, number>();
    for (const s of stored.values()) parentIds.set(keyOf(s), s.id);
    if (unknown.size > 0) {
      const list = [...unknown.values()];
      const found = await this.prisma.$queryRaw<{ id: number; kind: string; externalId: string }[]>`
        SELECT r."id", r."kind", r."externalId" FROM "Resource" r
        JOIN unnest(${list.map((k) => k.kind)}::text[], ${list.map((k) => k.externalId)}::text[]) AS t(kind, external_id)
          ON r."kind" = t.kind AND r."externalId" = t.external_id
        WHERE r."tenantId" = ${tenantId}`;
      for (const f of found) parentIds.set(keyOf(f), f.id);
    }
    const ids: number[] = [];
    const parents: (number | null)[] = [];
    for (const r of resources) {
      const s = stored.get(keyOf(r));
      if (!s) continue;
      const parent = r.parent ? (parentIds.get(keyOf(r.parent)) ?? null) : null;
      if (parent !== s.parentId) {
        ids.push(s.id);
        parents.push(parent);
      }
    }
    const byId = new Map<number, StoredResource>();
    for (const s of stored.values()) byId.set(s.id, s);
    const already = new Set(changed.map((c) => c.id));
    for (let i = 0; i < ids.length; i += CHUNK) {
      const reparented = await this.prisma.$queryRaw<{ id: number }[]>`
        UPDATE "Resource" r SET "parentId" = t.parent, "updatedAt" = now()
        FROM unnest(${ids.slice(i, i + CHUNK)}::int[], ${parents.slice(i, i + CHUNK)}::int[]) AS t(id, parent)
        WHERE r."id" = t.id AND r."tenantId" = ${tenantId}
        RETURNING r."id"`;
      for (const r of reparented) {
        if (already.has(r.id)) continue;
        counts.updated++;
        const s = byId.get(r.id);
        if (s) changed.push(s);
      }
    }
    mirrors.add(mirrorResources(this.ch, tenantId, changed));
    return stored;
  }

  /**
   * Makes the open mappings of the resources in `desired` exactly the given IPs: mappings no longer held are
   * closed (validTo = now), new ones opened. Another resource's mapping of the same IP is left alone: the lookup
   * prefers the latest-started interval, and that resource's own source closes it.
   */
  private async reconcileIps(
    tenantId: number,
    desired: Map<number, string[]>,
    kinds: Map<number, string>,
    since: Map<number, Date>,
    counts: SyncCounts,
    mirrors: PendingMirrorWrites,
  ): Promise<void> {
    if (desired.size === 0) return;
    const scope = [...desired.keys()];
    const open: OpenMapping[] = [];
    for (let i = 0; i < scope.length; i += CHUNK) {
      open.push(
        ...(await this.prisma.$queryRaw<OpenMapping[]>`
          SELECT "id", "ip", "resourceId", "validFrom" FROM "ResourceIp"
          WHERE "tenantId" = ${tenantId} AND "validTo" IS NULL AND "vpcId" = 0
            AND "resourceId" = ANY(${scope.slice(i, i + CHUNK)}::int[])`),
      );
    }
    const openKeys = new Set<string>();
    const toClose: string[] = [];
    for (const m of open) {
      const want = desired.get(m.resourceId);
      openKeys.add(`${m.resourceId}|${m.ip}`);
      if (!want?.includes(m.ip)) toClose.push(m.id.toString());
    }
    const openIps: string[] = [];
    const openRids: number[] = [];
    const openFrom: Date[] = [];
    const now = new Date();
    for (const [rid, ips] of desired) {
      for (const ip of new Set(ips)) {
        if (openKeys.has(`${rid}|${ip}`)) continue;
        openIps.push(ip);
        openRids.push(rid);
        openFrom.push(since.get(rid) ?? now);
      }
    }
    const closed: { ip: string; resourceId: number; validFrom: Date; validTo: Date }[] = [];
    for (let i = 0; i < toClose.length; i += CHUNK) {
      closed.push(
        ...(await this.prisma.$queryRaw<{ ip: string; resourceId: number; validFrom: Date; validTo: Date }[]>`
          UPDATE "ResourceIp" SET "validTo" = ${now}
          WHERE "tenantId" = ${tenantId} AND "id" = ANY(${toClose.slice(i, i + CHUNK)}::bigint[])
          RETURNING "ip", "resourceId", "validFrom", "validTo"`),
      );
    }
    const opened: { ip: string; resourceId: number; validFrom: Date }[] = [];
    for (let i = 0; i < openIps.length; i += CHUNK) {
      opened.push(
        ...(await this.prisma.$queryRaw<{ ip: string; resourceId: number; validFrom: Date }[]>`
          INSERT INTO "ResourceIp" ("tenantId", "vpcId", "ip", "resourceId", "validFrom")
          SELECT ${tenantId}, 0, t.ip, t.rid, t.since
          FROM unnest(${openIps.slice(i, i + CHUNK)}::text[], ${openRids.slice(i, i + CHUNK)}::int[],
                      ${openFrom.slice(i, i + CHUNK)}::timestamp[]) AS t(ip, rid, since)
          ON CONFLICT ("tenantId", "vpcId", "ip", "resourceId") WHERE "validTo" IS NULL DO NOTHING
          RETURNING "ip", "resourceId", "validFrom"`),
      );
    }
    counts.ipsClosed += closed.length;
    counts.ipsOpened += opened.length;
    // Every mapping touched belongs to a resource in `desired`, whose kind the caller holds: no lookup.
    if (closed.length + opened.length > 0) mirrors.add(mirrorIpMappings(this.ch, tenantId, kinds, opened, closed));
  }

  /**
   * Makes the memberships of the services in scope (null: every service of this connector) exactly those the
   * resources name, as a diff: a resync that changes nothing writes nothing.
   */
  private async replaceMembers(
    tenantId: number,
    source: string,
    scope: number[] | null,
    resources: DiscoveredResource[],
    stored: Map<string, StoredResource>,
  ): Promise<void> {
    const serviceIds: number[] = [];
    const kinds: string[] = [];
    const externalIds: string[] = [];
    for (const r of resources) {
      const s = r.members && stored.get(keyOf(r));
      if (!s || !r.members) continue;
      for (const m of r.members) {
        serviceIds.push(s.id);
        kinds.push(m.kind);
        externalIds.push(m.externalId);
      }
    }
    // Diffed here, not with NOT EXISTS over the arrays (a nested loop at 100k memberships).
    const existing =
      scope === null
        ? await this.prisma.$queryRaw<
            { id: bigint; serviceId: number; memberKind: string; memberExternalId: string }[]
          >`
            SELECT "id", "serviceId", "memberKind", "memberExternalId" FROM "ResourceMember"
            WHERE "tenantId" = ${tenantId} AND "source" = ${source}`
        : await this.prisma.$queryRaw<
            { id: bigint; serviceId: number; memberKind: string; memberExternalId: string }[]
          >`
            SELECT "id", "serviceId", "memberKind", "memberExternalId" FROM "ResourceMember"
            WHERE "tenantId" = ${tenantId} AND "serviceId" = ANY(${scope}::int[])`;
    const wanted = new Set<string>();
    for (let i = 0; i < serviceIds.length; i++) wanted.add(`${serviceIds[i]}\u0000${kinds[i]}\u0000${externalIds[i]}`);
    const have = new Set<string>();
    const stale: string[] = [];
    for (const m of existing) {
      const key = `${m.serviceId}\u0000${m.memberKind}\u0000${m.memberExternalId}`;
      have.add(key);
      if (!wanted.has(key)) stale.push(m.id.toString());
    }
    for (let i = 0; i < stale.length; i += CHUNK) {
      await this.prisma.$executeRaw`
        DELETE FROM "ResourceMember" WHERE "tenantId" = ${tenantId} AND "id" = ANY(${stale.slice(i, i + CHUNK)}::bigint[])`;
    }
    const add = { sids: [] as number[], kinds: [] as string[], exts: [] as string[] };
    for (let i = 0; i < serviceIds.length; i++) {
      if (have.has(`${serviceIds[i]}\u0000${kinds[i]}\u0000${externalIds[i]}`)) continue;
      add.sids.push(serviceIds[i] as number);
      add.kinds.push(kinds[i] as string);
      add.exts.push(externalIds[i] as string);
    }
    for (let i = 0; i < add.sids.length; i += CHUNK) {
      await this.prisma.$executeRaw`
        INSERT INTO "ResourceMember" ("tenantId", "serviceId", "memberKind", "memberExternalId", "source")
        SELECT ${tenantId}, t.sid, t.kind, t.external_id, ${source}
        FROM unnest(${add.sids.slice(i, i + CHUNK)}::int[], ${add.kinds.slice(i, i + CHUNK)}::text[],
                    ${add.exts.slice(i, i + CHUNK)}::text[]) AS t(sid, kind, external_id)
        ON CONFLICT DO NOTHING`;
    }
  }
}

/** The last report of a key wins (a source listing the same object twice must not fail the whole statement). */
function dedupe(resources: readonly DiscoveredResource[]): DiscoveredResource[] {
  const byKey = new Map<string, DiscoveredResource>();
  for (const r of resources) byKey.set(keyOf(r), r);
  return [...byKey.values()];
}

/** The kind of every resource an apply touched (the IP mirror writes the mapping into that kind's column). */
function kindsById(stored: Map<string, StoredResource>, gone: readonly StoredResource[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of stored.values()) out.set(s.id, s.kind);
  for (const g of gone) out.set(g.id, g.kind);
  return out;
}

/** When each resource started holding its addresses (a pod's start), so late-arriving rows still tag. */
function ipsSince(resources: DiscoveredResource[], stored: Map<string, StoredResource>): Map<number, Date> {
  const out = new Map<number, Date>();
  for (const r of resources) {
    if (!r.ipsSince) continue;
    const s = stored.get(keyOf(r));
    const at = new Date(r.ipsSince);
    // Never in the future, never absurdly old: a bad clock on the source must not open a mapping for years.
    if (s && Number.isFinite(at.getTime()) && at.getTime() <= Date.now()) out.set(s.id, at);
  }
  return out;
}

const isNumber = (x: number | undefined): x is number => x !== undefined;
