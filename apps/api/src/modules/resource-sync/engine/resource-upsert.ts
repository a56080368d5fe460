import type { PrismaClient } from '@bathyscope/db';
import type { DiscoveredResource } from '../sources/source-types.js';

/** A resource row as the engine keeps it while applying a listing. */
export interface StoredResource {
  id: number;
  kind: string;
  externalId: string;
  name: string;
  labels: unknown;
  parentId?: number | null;
  /** Inserted by this statement. */
  created?: boolean;
  /** Name, labels, attributes, owner or tombstone changed by this statement. */
  changed?: boolean;
  deleted?: boolean;
}

/**
 * Upserts one chunk in a single statement and answers every row's id. Unchanged rows are not rewritten (no dead
 * tuples, no `updatedAt` churn on a periodic full listing): the DO UPDATE only fires when something differs, and
 * the rows it skipped are read back from the snapshot. A row another source created (the agent's pod by UID, its
 * namespace by name) is claimed by the connector: one row, enriched by both.
 */
export async function upsertResources(
  prisma: PrismaClient,
  tenantId: number,
  source: string,
  chunk: readonly DiscoveredResource[],
): Promise<StoredResource[]> {
  if (chunk.length === 0) return [];
  const kinds = new Array<string>(chunk.length);
  const externalIds = new Array<string>(chunk.length);
  const names = new Array<string>(chunk.length);
  const labels = new Array<string>(chunk.length);
  const attributes = new Array<string>(chunk.length);
  for (let i = 0; i < chunk.length; i++) {
    const r = chunk[i] as DiscoveredResource;
    kinds[i] = r.kind;
    externalIds[i] = r.externalId;
    names[i] = r.name;
    labels[i] = JSON.stringify(r.labels ?? {});
    attributes[i] = JSON.stringify(r.attributes ?? {});
  }
  // One round trip: the rows the DO UPDATE skipped (unchanged) are read back in the same statement. Its SELECT
  // sees the snapshot from before the INSERT, so it finds exactly the pre-existing rows; those the INSERT changed
  // come from RETURNING instead (the union is unique by id, below).
  const rows = await prisma.$queryRaw<StoredResource[]>`
    WITH t AS (
      SELECT * FROM unnest(${kinds}::text[], ${externalIds}::text[], ${names}::text[],
                           ${labels}::text[]::jsonb[], ${attributes}::text[]::jsonb[])
        AS t(kind, external_id, name, labels, attributes)
    ), changed AS (
      INSERT INTO "Resource" ("tenantId", "kind", "externalId", "name", "labels", "attributes", "source")
      SELECT ${tenantId}, t.kind, t.external_id, t.name, t.labels, t.attributes, ${source} FROM t
      ON CONFLICT ("tenantId", "kind", "externalId") DO UPDATE
        SET "name" = excluded."name", "labels" = excluded."labels", "attributes" = excluded."attributes",
            "source" = excluded."source", "deletedAt" = NULL, "lastSeenAt" = now(), "updatedAt" = now()
        WHERE "Resource"."name" IS DISTINCT FROM excluded."name"
           OR "Resource"."labels" IS DISTINCT FROM excluded."labels"
           OR "Resource"."attributes" IS DISTINCT FROM excluded."attributes"
           OR "Resource"."source" IS DISTINCT FROM excluded."source"
           OR "Resource"."deletedAt" IS NOT NULL
      RETURNING "id", "kind", "externalId", "name", "labels", "parentId", (xmax = 0) AS created, true AS changed
    )
    SELECT * FROM changed
    UNION ALL
    SELECT r."id", r."kind", r."externalId", r."name", r."labels", r."parentId", false AS created, false AS changed
    FROM t JOIN "Resource" r ON r."tenantId" = ${tenantId} AND r."kind" = t.kind AND r."externalId" = t.external_id`;
  const byId = new Map<number, StoredResource>();
  // A changed row also appears in the snapshot with its old values: the RETURNING version wins.
  for (const r of rows) if (!r.changed) byId.set(r.id, r);
  for (const r of rows) if (r.changed) byId.set(r.id, r);
  return [...byId.values()];
}
