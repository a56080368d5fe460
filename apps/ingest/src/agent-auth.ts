import { createHash, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import { parseAgentToken } from '@bathyscope/wire';

export interface AgentIdentity {
  agentId: number;
  tenantId: number;
}

export type AgentAuthResult =
  | { ok: true; agent: AgentIdentity }
  | { ok: false; code: 'UNAUTHENTICATED' | 'AGENT_REVOKED'; message: string };

export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

interface CachedAgent {
  tenantId: number;
  secretHash: Buffer;
  revoked: boolean;
  fetchedAt: number;
}

/**
 * Resolves the agent (and so the tenant) from the bearer credential. The tenant is never read from the
 * payload. Lookups are cached briefly so a batch does not cost a Postgres round trip; the TTL bounds how
 * long a revoked agent can still write.
 */
export class AgentAuthenticator {
  private readonly cache = new Map<number, CachedAgent>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 100_000,
  ) {}

  async authenticate(authorization: string | undefined): Promise<AgentAuthResult> {
    if (!authorization?.startsWith('Bearer ')) {
      return { ok: false, code: 'UNAUTHENTICATED', message: 'missing Authorization: Bearer <agent token>' };
    }
    const parsed = parseAgentToken(authorization.slice('Bearer '.length).trim());
    if (!parsed) return { ok: false, code: 'UNAUTHENTICATED', message: 'malformed agent token' };
    const agent = await this.load(parsed.agentId);
    const presented = Buffer.from(hashAgentSecret(parsed.secret), 'hex');
    if (!agent || !timingSafeEqual(agent.secretHash, presented)) {
      return { ok: false, code: 'UNAUTHENTICATED', message: 'unknown agent or wrong secret' };
    }
    if (agent.revoked) return { ok: false, code: 'AGENT_REVOKED', message: 'agent credential was revoked' };
    return { ok: true, agent: { agentId: parsed.agentId, tenantId: agent.tenantId } };
  }

  private async load(agentId: number): Promise<CachedAgent | null> {
    const now = Date.now();
    const hit = this.cache.get(agentId);
    if (hit && now - hit.fetchedAt < this.ttlMs) return hit;
    const row = await this.prisma.agent.findUnique({
      where: { id: agentId },
      select: { tenantId: true, secretHash: true, revokedAt: true },
    });
    if (!row) {
      this.cache.delete(agentId);
      return null;
    }
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    const entry: CachedAgent = {
      tenantId: row.tenantId,
      secretHash: Buffer.from(row.secretHash, 'hex'),
      revoked: row.revokedAt !== null,
      fetchedAt: now,
    };
    this.cache.set(agentId, entry);
    return entry;
  }
}
