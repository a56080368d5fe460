import type { ClickHouseHandle, ResourceKind } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { chDateTime64, emptyTags, isResourceKind, KIND_INDEX, type TagVector } from './resource-tags';

/** A resource as an agent's report names it. */
export interface ResourceRef {
  kind: ResourceKind;
  externalId: string;
  name: string;
  parentId: number | null;
}

export interface ResourceStoreOptions {
  /** Resolved (kind, external id) → id kept per gateway; least recently used go first. Default 200 000. */
  maxCachedIds?: number;
  /**
   * How long a resource's tag vector (itself and its ancestors) is trusted before it is read again, so a
   * connector that re-parents a pod is seen by ingest within this. Default 10 s.
   */
  tagsTtlMs?: number;
  /**
   * Called after resources were written to ClickHouse's `resources` table, so the process owning ClickHouse can
   * reload the name dictionary instead of waiting for its lifetime (a new host's name would read empty till then).
   */
  onMirrored?: (tenantId: number) => void;
}

interface CachedTags {
  tags: TagVector;
  at: number;
  /** The tenant's generation when loaded: an invalidation bumps it, so every older vector is stale at once. */
  generation: number;
}

/** Ancestors followed at most: the deepest real chain (process → container → pod → workload → namespace → cluster) is 6. */
const MAX_DEPTH = 8;

/**
 * Resources as ingest meets them: turns what agents report (their host, a pid, a container id, a pod UID) into the
 * integer ids telemetry rows are tagged with, creating the resource on first sight. Ids come from Postgres
 * (`Resource`, unique per tenant, kind and external id), so every gateway agrees on them; each new resource is
 * mirrored to ClickHouse's `resources` table, where query-time dictionaries read its name. A batch costs at most
 * one upsert for the ids it has not seen and one read for tag vectors it has not seen; steady state costs nothing.
 */
export class ResourceStore {
  private ids = new Map<string, number>();
  private tags = new Map<string, CachedTags>();
  private generations = new Map<number, number>();
  private readonly maxIds: number;
  private readonly tagsTtlMs: number;
  private readonly onMirrored: ((tenantId: number) => void) | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ch: ClickHouseHandle,
    options: ResourceStoreOptions = {},
  ) {
    this.maxIds = options.maxCachedIds ?? 200_000;
    this.tagsTtlMs = options.tagsTtlMs ?? 10_000;
    this.onMirrored = options.onMirrored;
  }

  /** The cached id of a resource, or undefined (then `ensure` it). */
  cachedId(tenantId: number, kind: ResourceKind, externalId: string): number | undefined {
    return this.ids.get(idKey(tenantId, kind, externalId));
  }

  /** Ids of `refs` in order, creating the missing ones in one statement. */
  async ensure(tenantId: number, refs: readonly ResourceRef[]): Promise<number[]> {
    const out = new Array<number>(refs.length);
    const missing = new Map<string, ResourceRef>();
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i] as ResourceRef;
      const key = idKey(tenantId, r.kind, r.externalId);
      const id = this.ids.get(key);
      if (id !== undefined) out[i] = id;
      else missing.set(key, r);
    }
    if (missing.size > 0) {
      const list = [...missing.values()];
      // ON CONFLICT DO UPDATE so RETURNING answers existing rows too; a parent learnt later fills an empty one.
      const rows = await this.prisma.$queryRaw<
        { id: number; kind: string; externalId: string; name: string; deleted: boolean }[]
      >`
        INSERT INTO "Resource" ("tenantId", "kind", "externalId", "name", "parentId", "source")
        SELECT ${tenantId}, t.kind, t.external_id, t.name, t.parent_id, 'agent'
        FROM unnest(${list.map((r) => r.kind)}::text[], ${list.map((r) => r.externalId)}::text[],
                    ${list.map((r) => r.name)}::text[], ${list.map((r) => r.parentId)}::int[])
             AS t(kind, external_id, name, parent_id)
        ON CONFLICT ("tenantId", "kind", "externalId") DO UPDATE
          SET "lastSeenAt" = now(), "parentId" = COALESCE("Resource"."parentId", excluded."parentId")
        RETURNING "id", "kind", "externalId", "name", ("deletedAt" IS NOT NULL) AS deleted`;
      // Every row this gateway had not cached is mirrored, not only the new ones: a mirror that failed before (or
      // in another gateway) heals here, and ReplacingMergeTree keeps one version. Cache misses are rare enough.
      await this.mirror(tenantId, rows);
      for (const row of rows) this.remember(idKey(tenantId, row.kind, row.externalId), row.id);
      for (let i = 0; i < refs.length; i++) {
        if (out[i] !== undefined) continue;
        const r = refs[i] as ResourceRef;
        const id = this.ids.get(idKey(tenantId, r.kind, r.externalId));
        if (id === undefined) throw new Error(`resource ${r.kind}/${r.externalId} was not stored`);
        out[i] = id;
      }
    }
    return out;
  }

  /** Cached tag vector of a resource (itself and its ancestors), or undefined when unknown or stale. */
  cachedTags(tenantId: number, id: number, now = Date.now()): TagVector | undefined {
    const hit = this.tags.get(`${tenantId}:${id}`);
    return hit && now - hit.at < this.tagsTtlMs && hit.generation === (this.generations.get(tenantId) ?? 0)
      ? hit.tags
      : undefined;
  }

  /** A connector changed the tenant's resources: every cached tag vector of it is stale (O(1), no scan). */
  invalidateTenant(tenantId: number): void {
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
  }

  /** Loads the tag vectors of `ids` (each resource and its ancestors) in one recursive query. */
  async loadTags(tenantId: number, ids: readonly number[]): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => id > 0);
    if (wanted.length === 0) return;
    const generation = this.generations.get(tenantId) ?? 0;
    // A resource's service comes from service membership (a connector's endpoint slices) of it or an ancestor.
    const rows = await this.prisma.$queryRaw<{ root: number; kind: string; id: number }[]>`
      WITH RECURSIVE chain(root, id, kind, external_id, parent, depth) AS (
        SELECT r."id", r."id", r."kind", r."externalId", r."parentId", 0 FROM "Resource" r
        WHERE r."tenantId" = ${tenantId} AND r."id" = ANY(${wanted}::int[])
        UNION ALL
        SELECT c.root, r."id", r."kind", r."externalId", r."parentId", c.depth + 1
        FROM chain c JOIN "Resource" r ON r."id" = c.parent AND r."tenantId" = ${tenantId}
        WHERE c.depth < ${MAX_DEPTH}
      )
      SELECT root, kind, id, depth, 0 AS via FROM chain
      UNION ALL
      SELECT c.root, 'service', min(m."serviceId"), c.depth, 1
      FROM chain c
      JOIN "ResourceMember" m ON m."tenantId" = ${tenantId} AND m."memberKind" = c.kind
        AND m."memberExternalId" = c.external_id
      JOIN "Resource" s ON s."id" = m."serviceId" AND s."deletedAt" IS NULL
      GROUP BY c.root, c.depth
      ORDER BY root, depth, via`;
    const now = Date.now();
    const vectors = new Map<number, TagVector>();
    for (const id of wanted) vectors.set(id, emptyTags());
    for (const row of rows) {
      const v = vectors.get(row.root);
      // The nearest resource of a kind wins (rows come ordered by depth).
      if (v && isResourceKind(row.kind) && v[KIND_INDEX[row.kind]] === 0) v[KIND_INDEX[row.kind]] = row.id;
    }
    for (const [id, tags] of vectors) {
      if (this.tags.size >= this.maxIds) this.tags.delete(this.tags.keys().next().value as string);
      this.tags.set(`${tenantId}:${id}`, { tags, at: now, generation });
    }
  }

  private remember(key: string, id: number): void {
    if (this.ids.has(key)) this.ids.delete(key);
    else if (this.ids.size >= this.maxIds) this.ids.delete(this.ids.keys().next().value as string);
    this.ids.set(key, id);
  }

  /**
   * Names for query-time dictionaries. Awaited, and ids are cached only after it succeeded: a failure fails the
   * batch (the agent retries) and the retry mirrors again, so no stored row names an id ClickHouse never got.
   */
  private async mirror(
    tenantId: number,
    created: { id: number; kind: string; externalId: string; name: string; deleted: boolean }[],
  ) {
    const now = chDateTime64(new Date());
    await this.ch.client.insert({
      table: `${this.ch.database}.resources`,
      values: created.map((r) => ({
        tenant_id: tenantId,
        kind: r.kind,
        resource_id: r.id,
        name: r.name,
        external_id: r.externalId,
        labels: {},
        deleted: r.deleted ? 1 : 0,
        updated_at: now,
      })),
      format: 'JSONEachRow',
    });
    this.onMirrored?.(tenantId);
  }
}

const idKey = (tenantId: number, kind: string, externalId: string) => `${tenantId}\u0000${kind}\u0000${externalId}`;
