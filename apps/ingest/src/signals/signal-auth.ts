import { createHash, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import type { AgentAuthenticator } from '../agent-auth';
import { SignalError } from './signal-error';

/** Who wrote a request: the tenant (from the credential only) and what to stamp on its rows. */
export interface TenantIdentity {
  tenantId: number;
  retentionDays: number;
  /** The agent for agent credentials; 0 for API keys (applications instrumented with an OTel SDK). */
  agentId: number;
  /** The tenant's plan: its ingest quotas, shared with the agent batches of the same tenant. */
  plan: string;
}

/** Roles whose API keys may write telemetry; a viewer key is read-only everywhere. */
const WRITER_ROLES = new Set(['editor', 'admin', 'owner']);
const API_KEY_RE = /^bsk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

interface ApiKeyRow {
  tenantId: number;
  secretHash: string;
  role: string;
  revoked: boolean;
  expiresAt: Date | null;
  retentionDays: number;
  plan: string;
}

/**
 * OTLP and remote_write clients present either an agent credential (the agent forwarding what it received
 * locally) or a tenant API key (`bsk_…`, created in the console) as `Authorization: Bearer …`. API keys are
 * checked like the API does it: the prefix finds the row, sha256 of the secret is compared in constant time.
 * Rows are cached for `ttlMs` (5 s), which bounds how long a revoked key still writes — the same bound as agents.
 */
export class SignalAuthenticator {
  private readonly keys = new Map<string, { row: ApiKeyRow | null; fetchedAt: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly agents: AgentAuthenticator,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** The caller's tenant, or a SignalError (401 / 403). */
  async authenticate(authorization: string | undefined): Promise<TenantIdentity> {
    const credential = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    if (credential?.startsWith('bsk_')) return this.apiKey(credential);
    const result = await this.agents.authenticate(authorization);
    if (!result.ok) {
      throw new SignalError(result.code === 'AGENT_REVOKED' ? 403 : 401, result.code, result.message);
    }
    const { agent } = result;
    return { tenantId: agent.tenantId, retentionDays: agent.retentionDays, agentId: agent.agentId, plan: agent.plan };
  }

  private async apiKey(token: string): Promise<TenantIdentity> {
    const parsed = API_KEY_RE.exec(token);
    if (!parsed) throw new SignalError(401, 'UNAUTHENTICATED', 'malformed API key');
    const [, prefix, secret] = parsed as unknown as [string, string, string];
    const row = await this.load(prefix);
    const presented = createHash('sha256').update(secret).digest();
    if (!row || !timingSafeEqual(Buffer.from(row.secretHash, 'hex'), presented)) {
      throw new SignalError(401, 'UNAUTHENTICATED', 'unknown API key or wrong secret');
    }
    if (row.revoked) throw new SignalError(401, 'UNAUTHENTICATED', 'API key was revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) {
      throw new SignalError(401, 'UNAUTHENTICATED', 'API key expired');
    }
    if (!WRITER_ROLES.has(row.role)) {
      throw new SignalError(403, 'PERMISSION_DENIED', `an API key with role ${row.role} may not write telemetry`);
    }
    return { tenantId: row.tenantId, retentionDays: row.retentionDays, agentId: 0, plan: row.plan };
  }

  private async load(prefix: string): Promise<ApiKeyRow | null> {
    const hit = this.keys.get(prefix);
    if (hit && Date.now() - hit.fetchedAt < this.ttlMs) return hit.row;
    const rows = await this.prisma.$queryRaw<ApiKeyRow[]>`
      SELECT k."tenantId", k."secretHash", k."role", k."revokedAt" IS NOT NULL AS "revoked", k."expiresAt",
             t."retentionDays", t."plan"
      FROM "ApiKey" k JOIN "Tenant" t ON t."id" = k."tenantId"
      WHERE k."prefix" = ${prefix}`;
    const row = rows[0] ?? null;
    // Only real keys are cached: unknown prefixes would let a caller fill the cache with junk.
    if (row) {
      if (this.keys.size >= this.maxEntries) this.keys.clear();
      this.keys.set(prefix, { row, fetchedAt: Date.now() });
    }
    return row;
  }
}
