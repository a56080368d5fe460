import { type ClickHouseHandle, IP_MAPPED_KINDS, RESOURCE_KINDS } from '@bathyscope/clickhouse';
import type { StoredResource } from './resource-upsert.js';

const TAGGABLE = new Set<string>(RESOURCE_KINDS);
const IP_TAGGABLE = new Set<string>(IP_MAPPED_KINDS);
const OPEN_END = '2100-01-01 00:00:00';

/** `YYYY-MM-DD hh:mm:ss.sss` in UTC, what a DateTime64(3, 'UTC') column reads unambiguously. */
const chTime64 = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 23);

/**
 * Names and labels for query-time dictionaries (ClickHouse `resources`, ReplacingMergeTree by `updated_at`: the
 * newest version wins). Kinds without a tag column (subnet, load_balancer, application) live in Postgres only.
 */
export async function mirrorResources(
  ch: ClickHouseHandle,
  tenantId: number,
  rows: readonly StoredResource[],
): Promise<void> {
  const now = chTime64(new Date());
  const values = rows
    .filter((r) => TAGGABLE.has(r.kind))
    .map((r) => ({
      tenant_id: tenantId,
      kind: r.kind,
      resource_id: r.id,
      name: r.name,
      external_id: r.externalId,
      labels: stringLabels(r.labels),
      deleted: r.deleted ? 1 : 0,
      updated_at: now,
    }));
  for (let i = 0; i < values.length; i += 50_000) {
    await ch.client.insert({
      table: `${ch.database}.resources`,
      values: values.slice(i, i + 50_000),
      format: 'JSONEachRow',
    });
  }
}

/** Opened and closed intervals to `ip_resource_map` (a closed one is re-inserted with its end and a newer version). */
export async function mirrorIpMappings(
  ch: ClickHouseHandle,
  tenantId: number,
  kinds: Map<number, string>,
  opened: readonly { ip: string; resourceId: number; validFrom: Date }[],
  closed: readonly { ip: string; resourceId: number; validFrom: Date; validTo: Date }[],
): Promise<void> {
  const now = chTime64(new Date());
  const values: Record<string, unknown>[] = [];
  const add = (m: { ip: string; resourceId: number; validFrom: Date }, validTo: string) => {
    const kind = kinds.get(m.resourceId);
    if (!kind || !IP_TAGGABLE.has(kind)) return;
    values.push({
      tenant_id: tenantId,
      vpc_id: 0,
      ip: m.ip,
      valid_from: chTime64(m.validFrom).slice(0, 19),
      valid_to: validTo,
      [`${kind}_id`]: m.resourceId,
      updated_at: now,
    });
  };
  for (const m of opened) add(m, OPEN_END);
  for (const m of closed) add(m, chTime64(m.validTo).slice(0, 19));
  for (let i = 0; i < values.length; i += 50_000) {
    await ch.client.insert({
      table: `${ch.database}.ip_resource_map`,
      values: values.slice(i, i + 50_000),
      format: 'JSONEachRow',
    });
  }
}

function stringLabels(labels: unknown): Record<string, string> {
  if (!labels || typeof labels !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[k] = String(v);
  return out;
}

/**
 * The ClickHouse mirror writes of one apply. They run beside the Postgres statements that follow them (a watch
 * batch's mirror insert costs as much as its Postgres round trips together) and are all awaited before the
 * change is announced, so a dictionary reload or an ingest refresh never reads ahead of the mirror. A failure is
 * held until `settle` (no unhandled rejection in between) and fails the apply there, as an awaited write would.
 */
export class PendingMirrorWrites {
  private pending: Promise<{ failed: unknown } | null>[] = [];

  add(write: Promise<void>): void {
    this.pending.push(
      write.then(
        () => null,
        (failed: unknown) => ({ failed }),
      ),
    );
  }

  async settle(): Promise<void> {
    const results = await Promise.all(this.pending);
    this.pending = [];
    const failure = results.find((r) => r !== null);
    if (failure) throw failure.failed;
  }
}
