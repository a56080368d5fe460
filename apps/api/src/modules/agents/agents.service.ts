import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { type Agent, AgentState } from './agents.types.js';

const OFFLINE_AFTER_MS = 60_000;

interface StoredStatus {
  state?: string;
  capabilities?: { ok?: boolean; kernel?: string; problems?: string[] };
  counters?: Record<string, number>;
}

@Injectable()
export class AgentsService {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async list(viewer: Viewer): Promise<Agent[]> {
    const rows = await this.prisma.agent.findMany({
      where: { tenantId: viewer.tenantId, revokedAt: null },
      select: { id: true, name: true, hostname: true, version: true, lastSeenAt: true, status: true },
      orderBy: { id: 'asc' },
    });
    const now = Date.now();
    return rows.map((r) => {
      const status = (r.status ?? {}) as StoredStatus;
      let state: AgentState = AgentState.NEVER_SEEN;
      if (r.lastSeenAt) {
        if (now - r.lastSeenAt.getTime() > OFFLINE_AFTER_MS) state = AgentState.OFFLINE;
        else state = status.state === 'running' ? AgentState.ONLINE : AgentState.DEGRADED;
      }
      return {
        id: r.id,
        name: r.name,
        hostname: r.hostname,
        version: r.version,
        state,
        lastSeenAt: r.lastSeenAt,
        ebpfOk: status.capabilities?.ok ?? false,
        problems: status.capabilities?.problems ?? [],
        kernel: status.capabilities?.kernel ?? null,
        counters: Object.entries(status.counters ?? {}).map(([name, value]) => ({ name, value })),
      };
    });
  }
}
