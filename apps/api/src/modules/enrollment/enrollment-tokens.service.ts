import { subject } from '@casl/ability';
import type { PrismaClient } from '@bathyscope/db';
import { newEnrollmentToken } from '@bathyscope/ingest';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { afterCursorWhere, encodeRowCursor } from '../../pagination.js';
import { AuditService } from '../audit/audit.service.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import {
  type CreatedEnrollmentToken,
  type CreateEnrollmentTokenInput,
  type EnrollmentToken,
  type EnrollmentTokenConnection,
  EnrollmentTokenStatus,
  MAX_ENROLLMENT_TOKEN_DAYS,
} from './dto/enrollment.types.js';

const SELECT = {
  id: true,
  name: true,
  prefix: true,
  expiresAt: true,
  maxUses: true,
  uses: true,
  revokedAt: true,
  createdAt: true,
  createdBy: { select: { email: true } },
  group: { select: { id: true, name: true } },
} as const;

type TokenRow = {
  id: string;
  name: string;
  prefix: string;
  expiresAt: Date;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: { email: string };
  group: { id: string; name: string } | null;
};

export function tokenStatus(r: Pick<TokenRow, 'revokedAt' | 'expiresAt' | 'maxUses' | 'uses'>, now: number) {
  if (r.revokedAt) return EnrollmentTokenStatus.REVOKED;
  if (r.expiresAt.getTime() <= now) return EnrollmentTokenStatus.EXPIRED;
  if (r.maxUses !== null && r.uses >= r.maxUses) return EnrollmentTokenStatus.USED_UP;
  return EnrollmentTokenStatus.ACTIVE;
}

function toEnrollmentToken(r: TokenRow, now = Date.now()): EnrollmentToken {
  return { ...r, createdBy: r.createdBy.email, status: tokenStatus(r, now) };
}

/**
 * Enrollment tokens: bootstrap secrets an admin creates per tenant (and optionally agent group) to install agents.
 * The gateway redeems them (POST /v1/enroll, apps/ingest/src/enrollment.ts); here they are created, listed and
 * revoked. Another tenant's token is NOT_FOUND, never FORBIDDEN.
 */
@Injectable()
export class EnrollmentTokensService {
  private readonly recordChange: ReturnType<AuditService['recorderFor']>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) audit: AuditService,
  ) {
    this.recordChange = audit.recorderFor('EnrollmentToken');
  }

  async create(viewer: Viewer, input: CreateEnrollmentTokenInput, ctx: GqlContext): Promise<CreatedEnrollmentToken> {
    await this.authz.authorize(viewer, 'create', 'EnrollmentToken', { what: 'creating enrollment tokens' });
    const now = Date.now();
    const expires = input.expiresAt.getTime();
    if (!(expires > now)) throw apiError('BAD_USER_INPUT', 'expiresAt must be in the future', { field: 'expiresAt' });
    if (expires - now > MAX_ENROLLMENT_TOKEN_DAYS * 86_400_000) {
      throw apiError('BAD_USER_INPUT', `expiresAt must be at most ${MAX_ENROLLMENT_TOKEN_DAYS} days away`, {
        field: 'expiresAt',
      });
    }
    let group: { id: string; name: string } | null = null;
    if (input.groupId) {
      group = await this.prisma.agentGroup.findFirst({
        where: { id: input.groupId, tenantId: viewer.tenantId },
        select: { id: true, name: true },
      });
      if (!group) throw apiError('NOT_FOUND', 'no such agent group');
    }
    // The token creates agents: the caller must be allowed to create agents where they will land.
    await this.authz.authorize(
      viewer,
      'create',
      subject('Agent', { group: group ? { name: group.name } : null, labels: [] }),
      {
        what: group ? `enrolling agents into group ${group.name}` : 'enrolling ungrouped agents',
      },
    );
    const { prefix, secretHash, token } = newEnrollmentToken();
    const row = await this.prisma.enrollmentToken.create({
      data: {
        tenantId: viewer.tenantId,
        createdById: viewer.userId,
        name: input.name,
        groupId: group?.id ?? null,
        prefix,
        secretHash,
        expiresAt: input.expiresAt,
        maxUses: input.maxUses ?? null,
      },
      select: SELECT,
    });
    await this.recordChange(viewer, ctx, 'enrollmentToken.create', row.id, null, {
      name: row.name,
      prefix: row.prefix,
      group: row.group?.name ?? null,
      expiresAt: row.expiresAt,
      maxUses: row.maxUses,
    });
    return { enrollmentToken: toEnrollmentToken(row), token };
  }

  async list(viewer: Viewer, first: number, after?: string): Promise<EnrollmentTokenConnection> {
    await this.authz.authorize(viewer, 'read', 'EnrollmentToken', { what: 'listing enrollment tokens' });
    const rows = await this.prisma.enrollmentToken.findMany({
      where: { tenantId: viewer.tenantId, ...afterCursorWhere(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: SELECT,
    });
    const now = Date.now();
    const edges = rows
      .slice(0, first)
      .map((r) => ({ cursor: encodeRowCursor(r.createdAt, r.id), node: toEnrollmentToken(r, now) }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  /** Refuses the token for every later enrollment at once; agents already enrolled with it keep working. */
  async revoke(viewer: Viewer, id: string, ctx: GqlContext): Promise<EnrollmentToken> {
    await this.authz.authorize(viewer, 'delete', 'EnrollmentToken', { what: 'revoking enrollment tokens' });
    const existing = await this.prisma.enrollmentToken.findFirst({
      where: { id, tenantId: viewer.tenantId },
      select: SELECT,
    });
    if (!existing) throw apiError('NOT_FOUND', 'no such enrollment token');
    if (existing.revokedAt) return toEnrollmentToken(existing);
    const row = await this.prisma.enrollmentToken.update({
      where: { id: existing.id },
      data: { revokedAt: new Date() },
      select: SELECT,
    });
    await this.recordChange(
      viewer,
      ctx,
      'enrollmentToken.revoke',
      id,
      { revokedAt: null },
      { revokedAt: row.revokedAt },
    );
    return toEnrollmentToken(row);
  }
}
