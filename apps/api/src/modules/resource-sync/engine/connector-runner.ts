import type { PrismaClient } from '@bathyscope/db';
import type { SecretBox } from '../../../infra/secret-box.js';
import { sourceFor } from '../sources/index.js';
import { type ConnectorSource, SourceError, type SourceListing } from '../sources/source-types.js';
import type { ResourceSyncEngine, SyncCounts } from './sync-engine.js';

/** The connector row fields a run needs. */
export interface ConnectorRow {
  id: string;
  tenantId: number;
  kind: string;
  name: string;
  config: unknown;
  credentials: string | null;
  enabled: boolean;
}

/**
 * One connector run: build its source (credentials decrypted only here, in memory), take a complete listing, apply
 * it, write the status back. A listing that fails at any point is never applied, so a broken API, an expired token
 * or a malformed page leave every resource as it was; the error lands in `lastError` and the caller retries.
 */
export class ConnectorRunner {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly secrets: SecretBox,
    readonly engine: ResourceSyncEngine,
  ) {}

  async load(connectorId: string): Promise<ConnectorRow | null> {
    return this.prisma.connector.findUnique({
      where: { id: connectorId },
      select: { id: true, tenantId: true, kind: true, name: true, config: true, credentials: true, enabled: true },
    });
  }

  sourceOf(c: ConnectorRow): ConnectorSource {
    return sourceFor(c.kind, {
      connectorId: c.id,
      connectorName: c.name,
      config: (c.config ?? {}) as Record<string, unknown>,
      credentials: c.credentials ? parseCredentials(this.secrets.open(c.credentials)) : {},
    });
  }

  /** A full listing applied; resolves with the counts or rejects with the (recorded) error. */
  async run(connectorId: string, source?: ConnectorSource, signal?: AbortSignal): Promise<SyncCounts> {
    const c = await this.load(connectorId);
    if (!c) throw new SourceError(`connector ${connectorId} no longer exists`, 'config', false);
    const startedAt = new Date();
    let listing: SourceListing;
    try {
      listing = await (source ?? this.sourceOf(c)).list(signal);
      validateListing(listing);
    } catch (err) {
      // Stopped on purpose (connector edited, deleted, process shutting down): not a failure of the source.
      if (!signal?.aborted) await this.recordFailure(c.id, startedAt, err);
      throw err;
    }
    try {
      const counts = await this.engine.applyListing(c.tenantId, c.id, listing);
      await this.recordSuccess(c.id, startedAt, counts, listing.cursors ?? {});
      return counts;
    } catch (err) {
      await this.recordFailure(c.id, startedAt, err);
      throw err;
    }
  }

  async recordSuccess(
    connectorId: string,
    at: Date,
    counts: SyncCounts,
    cursors: Record<string, string>,
  ): Promise<void> {
    await this.prisma.connector.updateMany({
      where: { id: connectorId },
      data: { lastRunAt: at, lastSuccessAt: new Date(), lastCounts: { ...counts }, cursors },
    });
  }

  async cursors(connectorId: string): Promise<Record<string, string>> {
    const c = await this.prisma.connector.findUnique({ where: { id: connectorId }, select: { cursors: true } });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((c?.cursors ?? {}) as Record<string, unknown>)) {
      if (typeof v === 'string') out[k] = v;
    }
    return out;
  }

  /** Watch events applied: the cursors move on and the connector is healthy again. */
  async recordWatchApplied(connectorId: string, counts: SyncCounts, cursors: Record<string, string>): Promise<void> {
    await this.prisma.connector.updateMany({
      where: { id: connectorId },
      data: { lastSuccessAt: new Date(), lastCounts: { ...counts, watch: true }, cursors },
    });
  }

  async recordFailure(connectorId: string, at: Date, err: unknown): Promise<void> {
    await this.prisma.connector
      .updateMany({
        where: { id: connectorId },
        data: { lastRunAt: at, lastError: describeError(err), lastErrorAt: new Date() },
      })
      .catch(() => {});
  }
}

/** What the console shows: the source's code and message, bounded (a remote may answer with a page of HTML). */
export function describeError(err: unknown): string {
  const text =
    err instanceof SourceError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  return text.slice(0, 1000);
}

function parseCredentials(text: string): Record<string, string> {
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A listing whose shape is wrong is refused whole (a source bug must not tombstone a tenant's inventory). */
function validateListing(listing: SourceListing): void {
  if (!listing || !Array.isArray(listing.resources)) {
    throw new SourceError('source returned no resource list', 'malformed', false);
  }
  for (const r of listing.resources) {
    if (!r || typeof r.kind !== 'string' || typeof r.externalId !== 'string' || r.externalId === '') {
      throw new SourceError('source returned a resource without kind/externalId', 'malformed', false);
    }
    if (typeof r.name !== 'string') throw new SourceError(`resource ${r.externalId} has no name`, 'malformed', false);
  }
}
