import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../../infra/tokens.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Viewer } from './viewer.js';

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
          select: { role: true, tenant: { select: { id: true, slug: true, name: true } } },
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

    const token = randomBytes(32).toString('base64url');
    await this.prisma.session.create({
      data: {
        tokenHash: tokenHash(token),
        userId: user.id,
        tenantId: membership.tenant.id,
        expiresAt: new Date(Date.now() + SESSION_TTL_MS),
      },
    });
    return {
      token,
      viewer: {
        userId: user.id,
        email: user.email,
        role: membership.role,
        tenantId: membership.tenant.id,
        tenantSlug: membership.tenant.slug,
        tenantName: membership.tenant.name,
      },
    };
  }

  async viewerForSession(token: string | undefined): Promise<Viewer | null> {
    if (!token || token.length > 128) return null;
    const session = await this.prisma.session.findUnique({
      where: { tokenHash: tokenHash(token) },
      select: {
        expiresAt: true,
        tenant: { select: { id: true, slug: true, name: true } },
        user: { select: { id: true, email: true } },
        userId: true,
        tenantId: true,
      },
    });
    if (!session || session.expiresAt.getTime() < Date.now()) return null;
    // The membership is re-read so a removed member loses access at once, even with a live session.
    const membership = await this.prisma.membership.findUnique({
      where: { tenantId_userId: { tenantId: session.tenantId, userId: session.userId } },
      select: { role: true },
    });
    if (!membership) return null;
    return {
      userId: session.user.id,
      email: session.user.email,
      role: membership.role,
      tenantId: session.tenant.id,
      tenantSlug: session.tenant.slug,
      tenantName: session.tenant.name,
    };
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.prisma.session.deleteMany({ where: { tokenHash: tokenHash(token) } });
  }
}
