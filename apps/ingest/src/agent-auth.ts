import { createHash, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import { ACCESS_TOKEN_PREFIX, parseAgentToken, verifyAgentAccessToken } from '@bathyscope/wire';

export interface AgentIdentity {
  agentId: number;
  tenantId: number;
  /** The tenant's telemetry retention, stamped on every row (cached like the rest of the row). */
  retentionDays: number;
}

export type AgentAuthResult =
  | { ok: true; agent: AgentIdentity }
  | { ok: false; code: 'UNAUTHENTICATED' | 'TOKEN_EXPIRED' | 'AGENT_REVOKED'; message: string };

export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

interface CachedAgent {
  tenantId: number;
  retentionDays: number;
  /** Null for enrolled agents: they have no static secret. */
  secretHash: Buffer | null;
  revoked: boolean;
  fetchedAt: number;
}

export interface AgentAuthOptions {
  /** HMAC key of access tokens (`bsat.…`); without it only legacy `bsa_` credentials are accepted. */
  accessTokenKey?: Buffer;
  /** How long an agent row (revocation included) is cached. */
  ttlMs?: number;
  maxEntries?: number;
}

/**
 * Resolves the agent (and so the tenant) from the bearer credential: a short-lived access token
 * (`bsat.<claims>.<hmac>`, obtained with the agent's private key) or a legacy static credential
 * (`bsa_<id>_<secret>`). The tenant is never read from the payload. Agent rows are cached briefly so a batch does
 * not cost a Postgres round trip; the TTL (5 s) bounds how long a revoked agent can still write, whichever
 * credential it presents.
 */
export class AgentAuthenticator {
  private readonly cache = new Map<number, CachedAgent>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: AgentAuthOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  async authenticate(authorization: string | undefined): Promise<AgentAuthResult> {
    if (!authorization?.startsWith('Bearer ')) {
      return { ok: false, code: 'UNAUTHENTICATED', message: 'missing Authorization: Bearer <agent token>' };
    }
    const credential = authorization.slice('Bearer '.length).trim();
    if (credential.startsWith(ACCESS_TOKEN_PREFIX)) return this.authenticateAccessToken(credential);
    const parsed = parseAgentToken(credential);
    if (!parsed) return { ok: false, code: 'UNAUTHENTICATED', message: 'malformed agent token' };
    const agent = await this.load(parsed.agentId);
    const presented = Buffer.from(hashAgentSecret(parsed.secret), 'hex');
    if (!agent?.secretHash || !timingSafeEqual(agent.secretHash, presented)) {
      return { ok: false, code: 'UNAUTHENTICATED', message: 'unknown agent or wrong secret' };
    }
    if (agent.revoked) return { ok: false, code: 'AGENT_REVOKED', message: 'agent credential was revoked' };
    return {
      ok: true,
      agent: { agentId: parsed.agentId, tenantId: agent.tenantId, retentionDays: agent.retentionDays },
    };
  }

  private async authenticateAccessToken(token: string): Promise<AgentAuthResult> {
    if (!this.options.accessTokenKey) {
      return { ok: false, code: 'UNAUTHENTICATED', message: 'access tokens are not accepted by this gateway' };
    }
    const verdict = verifyAgentAccessToken(token, this.options.accessTokenKey);
    if (!verdict.ok) {
      if (verdict.reason === 'EXPIRED') {
        return { ok: false, code: 'TOKEN_EXPIRED', message: 'access token expired: request a new one' };
      }
      return { ok: false, code: 'UNAUTHENTICATED', message: 'invalid access token' };
    }
    const { a: agentId, t: tenantId } = verdict.claims;
    // The signature proves the claims; the (cached) row adds revocation, checked on every request.
    const agent = await this.load(agentId);
    if (!agent || agent.tenantId !== tenantId) {
      return { ok: false, code: 'UNAUTHENTICATED', message: 'unknown agent' };
    }
    if (agent.revoked) return { ok: false, code: 'AGENT_REVOKED', message: 'agent credential was revoked' };
    return { ok: true, agent: { agentId, tenantId, retentionDays: agent.retentionDays } };
  }

  private async load(agentId: number): Promise<CachedAgent | null> {
    const now = Date.now();
    const hit = this.cache.get(agentId);
    if (hit && now - hit.fetchedAt < this.ttlMs) return hit;
    const row = await this.prisma.agent.findUnique({
      where: { id: agentId },
      select: { tenantId: true, secretHash: true, revokedAt: true, tenant: { select: { retentionDays: true } } },
    });
    if (!row) {
      this.cache.delete(agentId);
      return null;
    }
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    const entry: CachedAgent = {
      tenantId: row.tenantId,
      retentionDays: row.tenant.retentionDays,
      secretHash: row.secretHash ? Buffer.from(row.secretHash, 'hex') : null,
      revoked: row.revokedAt !== null,
      fetchedAt: now,
    };
    this.cache.set(agentId, entry);
    return entry;
  }
}
