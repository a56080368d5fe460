import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { PrismaClient } from '@bathyscope/db';
import type { IngestMetrics } from './ingest-metrics';
import { assignGateway, type GatewayNode } from './rendezvous';

/** A gateway is healthy while its last heartbeat is this recent (the SQL below spells it out too). */
export const GATEWAY_HEALTHY_WITHIN_SECONDS = 30;

/**
 * A gateway's id is derived from its public URL, so a restarted process keeps its id and its agents (the ETag the
 * agents hold stays valid), and processes behind one URL count as one gateway.
 */
export function gatewayIdFor(url: string): string {
  return `gw-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/** The URL a gateway listening on `address:port` is reached at when no public URL is configured. */
export function listenUrl(address: string, port: number): string {
  const host = address === '0.0.0.0' || address === '::' ? os.hostname() : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface GatewayRegistryOptions {
  heartbeatMs?: number;
  /** How often the list of healthy gateways (what agents are assigned over) is re-read. */
  refreshMs?: number;
}

/**
 * Registers this gateway in Postgres (`IngestGateway`) and heartbeats every 10 s; keeps the list of healthy gateways
 * (heartbeat within 30 s, judged by the database's clock so gateways' clocks do not matter) in memory, re-read
 * every 5 s, for assigning agents at check-in. Deregisters on close, so its agents move at once on a clean stop and
 * within 30 s after a crash.
 */
export class GatewayRegistry {
  private self: GatewayNode | null = null;
  private healthyGateways: GatewayNode[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private readonly heartbeatMs: number;
  private readonly refreshMs: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly metrics: IngestMetrics,
    options: GatewayRegistryOptions = {},
    private readonly log: (err: unknown, message: string) => void = () => {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.refreshMs = options.refreshMs ?? 5_000;
  }

  /** This gateway, once registered. */
  get registered(): GatewayNode | null {
    return this.self;
  }

  get healthy(): readonly GatewayNode[] {
    return this.healthyGateways;
  }

  /** The gateway `agentId` is assigned to, or null when no gateway is known to be healthy. */
  assign(agentId: number): GatewayNode | null {
    return assignGateway(agentId, this.healthyGateways);
  }

  /** Starts following the healthy gateways (without registering: an in-process server that does not listen). */
  async follow(): Promise<void> {
    if (this.refreshTimer) return;
    await this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), this.refreshMs);
    this.refreshTimer.unref();
  }

  /** Registers this gateway under `url` and heartbeats until close(). */
  async register(url: string): Promise<GatewayNode> {
    this.self = { id: gatewayIdFor(url), url };
    // The timer first: if Postgres is down now, the heartbeats register the gateway once it is back.
    this.heartbeatTimer = setInterval(() => void this.heartbeat(false), this.heartbeatMs);
    this.heartbeatTimer.unref();
    await this.heartbeat(true);
    await this.refresh();
    return this.self;
  }

  async close(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.heartbeatTimer = this.refreshTimer = null;
    if (!this.self) return;
    const { id } = this.self;
    this.self = null;
    try {
      await this.prisma.$executeRaw`DELETE FROM "IngestGateway" WHERE "id" = ${id}`;
    } catch (err) {
      this.log(err, 'deregistering the gateway failed');
    }
  }

  /**
   * An upsert, so a row deleted behind our back (or by a restart of another process at this URL) comes back. Rows of
   * gateways silent for a day are deleted here: crashed processes never deregister.
   */
  private async heartbeat(starting: boolean): Promise<void> {
    const self = this.self;
    if (!self) return;
    try {
      if (starting) {
        await this.prisma.$executeRaw`
          INSERT INTO "IngestGateway" ("id", "url", "startedAt", "heartbeatAt")
          VALUES (${self.id}, ${self.url}, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
          ON CONFLICT ("id") DO UPDATE
          SET "url" = EXCLUDED."url", "startedAt" = EXCLUDED."startedAt", "heartbeatAt" = EXCLUDED."heartbeatAt"`;
      } else {
        await this.prisma.$executeRaw`
          INSERT INTO "IngestGateway" ("id", "url", "startedAt", "heartbeatAt")
          VALUES (${self.id}, ${self.url}, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
          ON CONFLICT ("id") DO UPDATE SET "url" = EXCLUDED."url", "heartbeatAt" = EXCLUDED."heartbeatAt"`;
        await this.prisma.$executeRaw`
          DELETE FROM "IngestGateway"
          WHERE "heartbeatAt" < (now() AT TIME ZONE 'UTC') - interval '1 day'`;
      }
    } catch (err) {
      if (starting) throw err;
      this.log(err, 'gateway heartbeat failed');
    }
  }

  /** On failure the last known list stays: a database hiccup must not move every agent. */
  private async refresh(): Promise<void> {
    try {
      const rows = await this.prisma.$queryRaw<GatewayNode[]>`
        SELECT "id", "url" FROM "IngestGateway"
        WHERE "heartbeatAt" > (now() AT TIME ZONE 'UTC') - interval '30 seconds'
        ORDER BY "id"`;
      this.healthyGateways = rows.map((r) => ({ id: r.id, url: r.url }));
      this.metrics.healthyGateways.set(rows.length);
    } catch (err) {
      this.log(err, 'reading the healthy gateways failed');
    }
  }
}
