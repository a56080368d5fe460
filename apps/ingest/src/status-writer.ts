import type { PrismaClient } from '@bathyscope/db';
import type { IngestMetrics } from './ingest-metrics';

/** What a check-in leaves on the agent's row. */
export interface AgentStatusUpdate {
  tenantId: number;
  /** When the gateway received the check-in (unix ms): the row's lastSeenAt. */
  seenAt: number;
  hostname: string;
  version: string;
  /** Stored as the row's `status` JSON. */
  status: Record<string, unknown>;
}

export interface StatusWriterOptions {
  /** How often pending statuses are written. */
  intervalMs?: number;
  /** Most agents with a status waiting; past it new agents' statuses are dropped (counted) until the next write. */
  maxPending?: number;
  /** Rows per UPDATE statement. */
  maxBatch?: number;
  /** Writes a failed batch is retried in before its statuses are dropped. */
  maxAttempts?: number;
}

interface Pending extends AgentStatusUpdate {
  attempts: number;
}

/**
 * Buffers the latest check-in status per agent and writes them all every second in one statement
 * (`UPDATE "Agent" … FROM unnest(arrays)`), so 10,000 agents checking in every 30 s cost one UPDATE of ~330 rows a
 * second instead of 330 round trips. Only the newest status of an agent is kept; a status is never written over a
 * newer one (another gateway may have seen the agent later), nor onto a revoked agent or another tenant's row.
 * The cost: a row's lastSeenAt lags the check-in by up to the interval, and statuses buffered when the process
 * dies are lost — the agent's next check-in brings a newer one.
 */
export class CheckinStatusWriter {
  private pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private readonly intervalMs: number;
  private readonly maxPending: number;
  private readonly maxBatch: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly metrics: IngestMetrics,
    options: StatusWriterOptions = {},
    private readonly log: (err: unknown, message: string) => void = () => {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.maxPending = options.maxPending ?? 50_000;
    this.maxBatch = options.maxBatch ?? 5_000;
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Keeps `update` as the agent's latest status; false when the buffer is full and it was dropped. */
  record(agentId: number, update: AgentStatusUpdate): boolean {
    if (!this.pending.has(agentId) && this.pending.size >= this.maxPending) {
      this.metrics.statusDropped.inc({ reason: 'buffer_full' });
      return false;
    }
    this.pending.set(agentId, { ...update, attempts: 0 });
    this.metrics.statusPending.set(this.pending.size);
    return true;
  }

  start(): void {
    if (this.timer) return;
    // A tick while a write is slow is skipped rather than queued behind it.
    this.timer = setInterval(() => {
      if (!this.writing) void this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Writes everything pending now (waits for a write under way first). Never throws: failures are counted. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.size === 0) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  /** Stops the timer and writes what is pending, so a clean shutdown loses nothing. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async writeAll(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.metrics.statusPending.set(0);
    const entries = [...batch];
    for (let i = 0; i < entries.length; i += this.maxBatch) {
      const chunk = entries.slice(i, i + this.maxBatch);
      const started = process.hrtime.bigint();
      try {
        await this.write(chunk);
        this.metrics.statusWrites.inc({ outcome: 'ok' });
        this.metrics.statusRows.inc(chunk.length);
        this.metrics.statusWriteSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      } catch (err) {
        this.metrics.statusWrites.inc({ outcome: 'error' });
        this.log(err, `writing ${chunk.length} agent statuses failed`);
        this.requeue(chunk);
      }
    }
    this.metrics.statusPending.set(this.pending.size);
  }

  /** Puts a failed chunk back, unless a newer status arrived meanwhile or it failed too often. */
  private requeue(chunk: [number, Pending][]): void {
    for (const [agentId, entry] of chunk) {
      if (this.pending.has(agentId)) continue;
      if (entry.attempts + 1 >= this.maxAttempts || this.pending.size >= this.maxPending) {
        this.metrics.statusDropped.inc({ reason: 'write_failed' });
        continue;
      }
      this.pending.set(agentId, { ...entry, attempts: entry.attempts + 1 });
    }
  }

  private async write(chunk: [number, Pending][]): Promise<void> {
    const ids: number[] = [];
    const tenants: number[] = [];
    const seen: number[] = [];
    const hostnames: string[] = [];
    const versions: string[] = [];
    const statuses: string[] = [];
    for (const [agentId, e] of chunk) {
      ids.push(agentId);
      tenants.push(e.tenantId);
      seen.push(e.seenAt);
      hostnames.push(e.hostname);
      versions.push(e.version);
      statuses.push(JSON.stringify(e.status));
    }
    // lastSeenAt is timestamp(3) holding UTC (Prisma's convention), hence AT TIME ZONE 'UTC'.
    await this.prisma.$executeRaw`
      UPDATE "Agent" AS a
      SET "lastSeenAt" = u.seen, "hostname" = u.hostname, "version" = u.version, "status" = u.status
      FROM (
        SELECT id, tenant_id, to_timestamp(seen_ms / 1000.0) AT TIME ZONE 'UTC' AS seen, hostname, version,
               status::jsonb AS status
        FROM unnest(${ids}::int[], ${tenants}::int[], ${seen}::float8[], ${hostnames}::text[], ${versions}::text[],
                    ${statuses}::text[]) AS t(id, tenant_id, seen_ms, hostname, version, status)
      ) AS u
      WHERE a."id" = u.id AND a."tenantId" = u.tenant_id AND a."revokedAt" IS NULL
        AND (a."lastSeenAt" IS NULL OR a."lastSeenAt" <= u.seen)`;
  }
}
