import type { PrismaClient } from '@bathyscope/db';
import { assignGateway, type GatewayNode } from '@bathyscope/ingest';
import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import type { IngestGateway } from './agents.types.js';

interface GatewayRow {
  id: string;
  url: string;
  heartbeatAt: Date;
  healthy: boolean;
}

/** Gateways change every few seconds at most; one read serves all agents of a request and its neighbours. */
const GATEWAYS_TTL_MS = 2_000;

/**
 * The ingest gateways (registered by apps/ingest, gateway-registry.ts) and which one each agent is assigned to —
 * the same rendezvous function over the same healthy set (heartbeat within 30 s, judged by Postgres' clock) that
 * the gateways use at check-in, so the console shows what the agent is told. Gateways are shared infrastructure,
 * not tenant data: their URLs are what every agent is handed; agent counts are the viewer's own agents only.
 */
@Injectable()
export class IngestGatewaysService {
  private cached: { at: number; rows: Promise<GatewayRow[]> } | null = null;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  private rows(): Promise<GatewayRow[]> {
    if (this.cached && Date.now() - this.cached.at < GATEWAYS_TTL_MS) return this.cached.rows;
    const rows = this.prisma.$queryRaw<GatewayRow[]>`
      SELECT "id", "url", "heartbeatAt",
             "heartbeatAt" > (now() AT TIME ZONE 'UTC') - interval '30 seconds' AS healthy
      FROM "IngestGateway" ORDER BY "id"`;
    this.cached = { at: Date.now(), rows };
    rows.catch(() => {
      this.cached = null;
    });
    return rows;
  }

  async healthy(): Promise<GatewayNode[]> {
    return (await this.rows()).filter((r) => r.healthy).map((r) => ({ id: r.id, url: r.url }));
  }

  /** The gateway URL the agent is told to ship to; null without a healthy gateway. */
  async ingestUrlOf(agentId: number): Promise<string | null> {
    return assignGateway(agentId, await this.healthy())?.url ?? null;
  }

  async list(viewer: Viewer): Promise<IngestGateway[]> {
    const [rows, agents] = await Promise.all([
      this.rows(),
      this.prisma.agent.findMany({
        where: {
          AND: [
            { tenantId: viewer.tenantId, revokedAt: null },
            await this.authz.accessibleWhere(viewer, 'read', 'Agent'),
          ],
        },
        select: { id: true },
      }),
    ]);
    const healthy = rows.filter((r) => r.healthy);
    const counts = new Map<string, number>();
    for (const { id } of agents) {
      const gateway = assignGateway(id, healthy);
      if (gateway) counts.set(gateway.id, (counts.get(gateway.id) ?? 0) + 1);
    }
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      healthy: r.healthy,
      lastHeartbeatAt: r.heartbeatAt,
      agentCount: counts.get(r.id) ?? 0,
    }));
  }
}
