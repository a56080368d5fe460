import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../../infra/tokens.js';
import { hashApiKeySecret, parseApiKeyToken } from '../api-keys/api-key-token.js';
import { hashPassword, verifyPassword } from './password.js';
import { isRole, type Role, ROLES, type Viewer } from './viewer.js';

export type ApiKeyCheck =
  | { ok: true; viewer: Viewer }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired'; tenantId?: number; apiKeyId?: string };

const LAST_USED_RESOLUTION_MS = 60_000;

interface ApiKeyViewerRow {
  id: string;
  tenantId: number;
  secretHash: string;
  role: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdById: string;
  email: string;
  slug: string;
  name: string;
  memberRole: string | null;
  policyId: string | null;
  teamIds: string[];
}

interface SessionViewerRow {
  expiresAt: Date;
  userId: string;
  email: string;
  role: string;
  tenantId: number;
  slug: string;
  name: string;
  teamIds: string[];
}

function lowerRole(a: Role, b: Role): Role {
  return ROLES[Math.min(ROLES.indexOf(a), ROLES.indexOf(b))] as Role;
}

function asRole(value: string): Role {
  return isRole(value) ? value : 'viewer';
}

export const SESSION_COOKIE = 'bs_session';
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// A fixed hash verified when the email is unknown, so response time does not reveal which emails exist.
let dummyHash: Promise<string> | undefined;

@Injectable()
export class AuthService {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Returns a new session token and the viewer, or null when the credentials do not match. */
  async login(email: string, password: string, tenantSlug?: string): Promise<{ token: string; viewer: Viewer } | null> {
    const user = await this.prisma.user.findUnique({
      where: { email: email.toLowerCase() },
      select: {
        id: true,
        email: true,
        passwordHash: true,
        memberships: {
          select: {
            role: true,
            tenant: { select: { id: true, slug: true, name: true } },
            teams: { select: { teamId: true } },
          },
          orderBy: { createdAt: 'asc' },
        },
      },
    });
    if (!user) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await dummyHash);
      return null;
    }
    if (!(await verifyPassword(password, user.passwordHash))) return null;
    const membership = tenantSlug ? user.memberships.find((m) => m.tenant.slug === tenantSlug) : user.memberships[0];
    if (!membership) return null;

    const token = await this.createSession(user.id, membership.tenant.id);
    return {
      token,
      viewer: {
        userId: user.id,
        email: user.email,
        role: asRole(membership.role),
        tenantId: membership.tenant.id,
        tenantSlug: membership.tenant.slug,
        tenantName: membership.tenant.name,
        teamIds: membership.teams.map((t) => t.teamId),
      },
    };
  }

  async viewerForSession(token: string | undefined): Promise<Viewer | null> {
    if (!token || token.length > 128) return null;
    // One round trip on the hottest path of the API: the membership is joined (not cached), so a removed
    // member loses access at once even with a live session. Raw SQL skips Prisma's per-query compilation.
    const rows = await this.prisma.$queryRaw<SessionViewerRow[]>`
      SELECT s."expiresAt", u.id AS "userId", u.email, m.role, t.id AS "tenantId", t.slug, t.name,
             ARRAY(SELECT tm."teamId" FROM "TeamMember" tm
                   WHERE tm."tenantId" = s."tenantId" AND tm."userId" = s."userId") AS "teamIds"
      FROM "Session" s
      JOIN "User" u ON u.id = s."userId"
      JOIN "Tenant" t ON t.id = s."tenantId"
      JOIN "Membership" m ON m."tenantId" = s."tenantId" AND m."userId" = s."userId"
      WHERE s."tokenHash" = ${tokenHash(token)}`;
    const row = rows[0];
    if (!row || row.expiresAt.getTime() < Date.now()) return null;
    return {
      userId: row.userId,
      email: row.email,
      role: asRole(row.role),
      tenantId: row.tenantId,
      tenantSlug: row.slug,
      tenantName: row.name,
      teamIds: row.teamIds,
    };
  }

  /**
   * Resolves an `Authorization: Bearer bsk_…` API key. The key acts with its own role, capped by its creator's
   * current role, so removing or demoting the creator takes effect at once; revocation and expiry too.
   */
  async viewerForApiKey(authorization: string): Promise<ApiKeyCheck> {
    const parsed = authorization.startsWith('Bearer ') ? parseApiKeyToken(authorization.slice(7).trim()) : null;
    if (!parsed) return { ok: false, reason: 'malformed' };
    // One round trip: key, creator, tenant and the creator's current membership (left-joined: a missing
    // membership means the creator left, which disables the key).
    const rows = await this.prisma.$queryRaw<ApiKeyViewerRow[]>`
      SELECT k.id, k."tenantId", k."secretHash", k.role, k."expiresAt", k."revokedAt", k."lastUsedAt",
             k."createdById", k."policyId", u.email, t.slug, t.name, m.role AS "memberRole",
             ARRAY(SELECT tm."teamId" FROM "TeamMember" tm
                   WHERE tm."tenantId" = k."tenantId" AND tm."userId" = k."createdById") AS "teamIds"
      FROM "ApiKey" k
      JOIN "User" u ON u.id = k."createdById"
      JOIN "Tenant" t ON t.id = k."tenantId"
      LEFT JOIN "Membership" m ON m."tenantId" = k."tenantId" AND m."userId" = k."createdById"
      WHERE k.prefix = ${parsed.prefix}`;
    const key = rows[0];
    const presented = Buffer.from(hashApiKeySecret(parsed.secret), 'hex');
    if (!key || !timingSafeEqual(Buffer.from(key.secretHash, 'hex'), presented))
      return { ok: false, reason: 'unknown' };
    if (key.revokedAt) return { ok: false, reason: 'revoked', tenantId: key.tenantId, apiKeyId: key.id };
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) {
      return { ok: false, reason: 'expired', tenantId: key.tenantId, apiKeyId: key.id };
    }
    if (!key.memberRole) return { ok: false, reason: 'revoked', tenantId: key.tenantId, apiKeyId: key.id };
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      // Best effort and coarse on purpose: one write per key per minute, not per request.
      void this.prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
    }
    return {
      ok: true,
      viewer: {
        userId: key.createdById,
        email: key.email,
        role: lowerRole(asRole(key.role), asRole(key.memberRole)),
        tenantId: key.tenantId,
        tenantSlug: key.slug,
        tenantName: key.name,
        // The key carries its creator's teams: team restrictions cannot be escaped by minting a key.
        teamIds: key.teamIds,
        apiKeyId: key.id,
        apiKeyPolicyId: key.policyId,
      },
    };
  }

  /** Creates a tenant and its owner; returns null when the email or the slug is taken. */
  async signUp(input: {
    email: string;
    password: string;
    tenantName: string;
    tenantSlug: string;
  }): Promise<{ token: string; viewer: Viewer } | { conflict: 'EMAIL_TAKEN' | 'SLUG_TAKEN' }> {
    const email = input.email.toLowerCase();
    const passwordHash = await hashPassword(input.password);
    try {
      const created = await this.prisma.$transaction(async (tx) => {
        if (await tx.user.findUnique({ where: { email }, select: { id: true } }))
          return { conflict: 'EMAIL_TAKEN' as const };
        if (await tx.tenant.findUnique({ where: { slug: input.tenantSlug }, select: { id: true } })) {
          return { conflict: 'SLUG_TAKEN' as const };
        }
        const tenant = await tx.tenant.create({ data: { slug: input.tenantSlug, name: input.tenantName } });
        const user = await tx.user.create({ data: { email, passwordHash } });
        await tx.membership.create({ data: { tenantId: tenant.id, userId: user.id, role: 'owner' } });
        return { tenant, user };
      });
      if (created.conflict) return { conflict: created.conflict };
      const token = await this.createSession(created.user.id, created.tenant.id);
      return {
        token,
        viewer: {
          userId: created.user.id,
          email,
          role: 'owner',
          teamIds: [],
          tenantId: created.tenant.id,
          tenantSlug: created.tenant.slug,
          tenantName: created.tenant.name,
        },
      };
    } catch (err) {
      // A concurrent sign-up won the unique constraint.
      if ((err as { code?: string }).code === 'P2002') return { conflict: 'EMAIL_TAKEN' };
      throw err;
    }
  }

  /** A new session for a member of `tenantId`, or null when the user is not a member. */
  async sessionFor(userId: string, tenantId: number): Promise<{ token: string; viewer: Viewer } | null> {
    const m = await this.prisma.membership.findUnique({
      where: { tenantId_userId: { tenantId, userId } },
      select: {
        role: true,
        user: { select: { email: true } },
        tenant: { select: { slug: true, name: true } },
        teams: { select: { teamId: true } },
      },
    });
    if (!m) return null;
    const token = await this.createSession(userId, tenantId);
    return {
      token,
      viewer: {
        userId,
        email: m.user.email,
        role: asRole(m.role),
        tenantId,
        tenantSlug: m.tenant.slug,
        tenantName: m.tenant.name,
        teamIds: m.teams.map((t) => t.teamId),
      },
    };
  }

  private async createSession(userId: string, tenantId: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.prisma.session.create({
      data: { tokenHash: tokenHash(token), userId, tenantId, expiresAt: new Date(Date.now() + SESSION_TTL_MS) },
    });
    return token;
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.prisma.session.deleteMany({ where: { tokenHash: tokenHash(token) } });
  }
}
