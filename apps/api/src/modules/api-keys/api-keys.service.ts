import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { afterCursorWhere, encodeRowCursor } from '../../pagination.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthzService } from '../authz/authz.service.js';
import { actorOf, type GqlContext, isRole, roleAtLeast, type Viewer } from '../auth/viewer.js';
import { hashApiKeySecret, newApiKeyToken } from './api-key-token.js';
import type { ApiKey, ApiKeyConnection, CreateApiKeyInput, CreatedApiKey } from './dto/api-keys.types.js';

const SELECT = {
  id: true,
  name: true,
  prefix: true,
  role: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdAt: true,
  createdBy: { select: { email: true } },
  policy: { select: { id: true, name: true } },
} as const;

type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  role: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: { email: string };
  policy: { id: string; name: string } | null;
};

function toApiKey(r: ApiKeyRow): ApiKey {
  return { ...r, createdBy: r.createdBy.email };
}

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async create(viewer: Viewer, input: CreateApiKeyInput, ctx: GqlContext): Promise<CreatedApiKey> {
    await this.authz.authorize(viewer, 'create', 'ApiKey', { what: 'creating API keys' });
    if (viewer.apiKeyId) throw apiError('FORBIDDEN', 'API keys cannot create API keys');
    if (!isRole(input.role) || !roleAtLeast(viewer.role, input.role)) {
      throw apiError('FORBIDDEN', `a key cannot have more than your own role (${viewer.role})`);
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw apiError('BAD_USER_INPUT', 'expiresAt must be in the future', { field: 'expiresAt' });
    }
    if (input.policyId) {
      await this.authz.authorize(viewer, 'read', 'Policy', { what: 'attaching a policy to a key' });
      const policy = await this.prisma.policy.findFirst({
        where: { id: input.policyId, tenantId: viewer.tenantId },
        select: { id: true },
      });
      if (!policy) throw apiError('BAD_USER_INPUT', 'no such policy', { field: 'policyId' });
    }
    const { prefix, secret, token } = newApiKeyToken();
    const row = await this.prisma.apiKey.create({
      data: {
        tenantId: viewer.tenantId,
        createdById: viewer.userId,
        name: input.name,
        prefix,
        secretHash: hashApiKeySecret(secret),
        role: input.role,
        expiresAt: input.expiresAt ?? null,
        policyId: input.policyId ?? null,
      },
      select: SELECT,
    });
    const apiKey = toApiKey(row);
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'apiKey.create',
      targetType: 'ApiKey',
      targetId: row.id,
      after: {
        name: row.name,
        prefix: row.prefix,
        role: row.role,
        expiresAt: row.expiresAt,
        policy: row.policy?.name ?? null,
      },
    });
    return { apiKey, secret: token };
  }

  async list(viewer: Viewer, first: number, after?: string): Promise<ApiKeyConnection> {
    await this.authz.authorize(viewer, 'read', 'ApiKey', { what: 'listing API keys' });
    const rows = await this.prisma.apiKey.findMany({
      where: { tenantId: viewer.tenantId, ...afterCursorWhere(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: SELECT,
    });
    const edges = rows.slice(0, first).map((r) => ({ cursor: encodeRowCursor(r.createdAt, r.id), node: toApiKey(r) }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  /** Revocation is immediate: every request re-reads the key. Another tenant's id is NOT_FOUND, never FORBIDDEN. */
  async revoke(viewer: Viewer, id: string, ctx: GqlContext): Promise<ApiKey> {
    await this.authz.authorize(viewer, 'delete', 'ApiKey', { what: 'revoking API keys' });
    const existing = await this.prisma.apiKey.findFirst({ where: { id, tenantId: viewer.tenantId }, select: SELECT });
    if (!existing) throw apiError('NOT_FOUND', 'no such API key');
    if (existing.revokedAt) return toApiKey(existing);
    const row = await this.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: SELECT });
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'apiKey.revoke',
      targetType: 'ApiKey',
      targetId: id,
      before: { revokedAt: null },
      after: { revokedAt: row.revokedAt },
    });
    return toApiKey(row);
  }
}
