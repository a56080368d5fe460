import type { BathyscopeConfig } from '@bathyscope/config';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import type { Mailer } from '../../infra/mailer.js';
import { CONFIG, MAILER, PRISMA } from '../../infra/tokens.js';
import { afterCursorWhere, encodeRowCursor } from '../../pagination.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthService } from '../auth/auth.service.js';
import { hashLinkToken, newLinkToken } from '../auth/one-time-token.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { AuthzService } from '../authz/authz.service.js';
import { actorOf, type GqlContext, isRole, roleAtLeast, type Viewer } from '../auth/viewer.js';
import type {
  AcceptInvitationInput,
  ChangeMemberRoleInput,
  Invitation,
  InvitationConnection,
  InviteMemberInput,
  MemberConnection,
  ResetPasswordInput,
  TenantMembership,
} from './dto/members.types.js';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
const RESET_TTL_MS = 3600 * 1000;
const INVITATION_SELECT = {
  id: true,
  email: true,
  role: true,
  expiresAt: true,
  acceptedAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

/** Members, invitations by emailed one-time links, password reset, and users who belong to several tenants. */
@Injectable()
export class MembersService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(CONFIG) private readonly config: BathyscopeConfig,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  async list(viewer: Viewer, first: number, after?: string): Promise<MemberConnection> {
    const rows = await this.prisma.membership.findMany({
      where: { tenantId: viewer.tenantId, ...afterCursorWhere(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: { id: true, role: true, createdAt: true, user: { select: { id: true, email: true } } },
    });
    const edges = rows.slice(0, first).map((r) => ({
      cursor: encodeRowCursor(r.createdAt, r.id),
      node: { userId: r.user.id, email: r.user.email, role: r.role, joinedAt: r.createdAt },
    }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  private assertCanGrant(viewer: Viewer, role: string): void {
    if (!isRole(role)) throw apiError('BAD_USER_INPUT', `unknown role ${role}`);
    if (!roleAtLeast(viewer.role, role))
      throw apiError('FORBIDDEN', `you cannot grant a role above your own (${viewer.role})`);
  }

  async invite(viewer: Viewer, input: InviteMemberInput, ctx: GqlContext): Promise<Invitation> {
    await this.authz.authorize(viewer, 'create', 'Invitation', { what: 'inviting members' });
    this.assertCanGrant(viewer, input.role);
    const email = input.email.toLowerCase();
    const already = await this.prisma.membership.findFirst({
      where: { tenantId: viewer.tenantId, user: { email } },
      select: { id: true },
    });
    if (already) throw apiError('CONFLICT', `${email} is already a member`, { field: 'email' });
    const { token, hash } = newLinkToken();
    const row = await this.prisma.invitation.create({
      data: {
        tenantId: viewer.tenantId,
        email,
        role: input.role,
        tokenHash: hash,
        invitedById: viewer.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      },
      select: INVITATION_SELECT,
    });
    await this.mailer.send({
      to: email,
      subject: `You are invited to ${viewer.tenantName} on Bathyscope`,
      text: [
        `${viewer.email} invited you to join ${viewer.tenantName} on Bathyscope as ${input.role}.`,
        '',
        `Accept within 7 days: ${this.config.webUrl}/invite/${token}`,
        '',
        'If you did not expect this, ignore this message.',
      ].join('\n'),
    });
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'member.invite',
      targetType: 'Invitation',
      targetId: row.id,
      after: { email, role: input.role, expiresAt: row.expiresAt },
    });
    return row;
  }

  async invitations(viewer: Viewer, first: number, after?: string): Promise<InvitationConnection> {
    await this.authz.authorize(viewer, 'read', 'Invitation', { what: 'listing invitations' });
    const rows = await this.prisma.invitation.findMany({
      where: { tenantId: viewer.tenantId, ...afterCursorWhere(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: INVITATION_SELECT,
    });
    const edges = rows.slice(0, first).map((r) => ({ cursor: encodeRowCursor(r.createdAt, r.id), node: r }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  async revokeInvitation(viewer: Viewer, id: string, ctx: GqlContext): Promise<Invitation> {
    await this.authz.authorize(viewer, 'delete', 'Invitation', { what: 'revoking invitations' });
    const found = await this.prisma.invitation.findFirst({
      where: { id, tenantId: viewer.tenantId },
      select: { id: true },
    });
    if (!found) throw apiError('NOT_FOUND', 'no such invitation');
    const row = await this.prisma.invitation.update({
      where: { id },
      data: { revokedAt: new Date() },
      select: INVITATION_SELECT,
    });
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'member.revokeInvitation',
      targetType: 'Invitation',
      targetId: id,
    });
    return row;
  }

  /**
   * Accepts an invitation. A new user chooses a password; an existing user proves the account with theirs, so a
   * leaked link alone cannot join someone else's account to a tenant. The link works once.
   */
  async accept(input: AcceptInvitationInput, ctx: GqlContext): Promise<{ token: string; viewer: Viewer }> {
    const invitation = await this.prisma.invitation.findUnique({
      where: { tokenHash: hashLinkToken(input.token) },
      select: { id: true, tenantId: true, email: true, role: true, expiresAt: true, acceptedAt: true, revokedAt: true },
    });
    const unusable = !invitation
      ? 'invalid'
      : invitation.acceptedAt
        ? 'already used'
        : invitation.revokedAt
          ? 'revoked'
          : invitation.expiresAt.getTime() < Date.now()
            ? 'expired'
            : null;
    if (!invitation || unusable) {
      if (invitation) {
        await this.audit.record(ctx, {
          tenantId: invitation.tenantId,
          actor: null,
          actorLabel: invitation.email,
          action: 'member.acceptInvitation',
          targetType: 'Invitation',
          targetId: invitation.id,
          outcome: 'denied',
          after: { reason: unusable },
        });
      }
      throw apiError('BAD_USER_INPUT', `this invitation link is ${unusable ?? 'invalid'}`, { field: 'token' });
    }
    let user = await this.prisma.user.findUnique({
      where: { email: invitation.email },
      select: { id: true, passwordHash: true },
    });
    if (user && !(await verifyPassword(input.password, user.passwordHash))) {
      throw apiError('INVALID_CREDENTIALS', 'an account with this email exists; enter its password to accept');
    }
    // Consume the link first and only once, even under concurrent accepts.
    const consumed = await this.prisma.invitation.updateMany({
      where: { id: invitation.id, acceptedAt: null },
      data: { acceptedAt: new Date() },
    });
    if (consumed.count !== 1)
      throw apiError('BAD_USER_INPUT', 'this invitation link is already used', { field: 'token' });
    if (!user) {
      user = await this.prisma.user.create({
        data: { email: invitation.email, passwordHash: await hashPassword(input.password) },
        select: { id: true, passwordHash: true },
      });
    }
    await this.prisma.membership.upsert({
      where: { tenantId_userId: { tenantId: invitation.tenantId, userId: user.id } },
      update: {},
      create: { tenantId: invitation.tenantId, userId: user.id, role: invitation.role },
    });
    const session = await this.auth.sessionFor(user.id, invitation.tenantId);
    if (!session) throw apiError('INTERNAL', 'membership vanished');
    await this.audit.record(ctx, {
      tenantId: invitation.tenantId,
      ...actorOf(session.viewer),
      action: 'member.join',
      targetType: 'Invitation',
      targetId: invitation.id,
      after: { role: invitation.role },
    });
    return session;
  }

  private async ownerCount(tenantId: number): Promise<number> {
    return this.prisma.membership.count({ where: { tenantId, role: 'owner' } });
  }

  async changeRole(viewer: Viewer, input: ChangeMemberRoleInput, ctx: GqlContext) {
    await this.authz.authorize(viewer, 'update', 'Member', { what: 'changing roles' });
    this.assertCanGrant(viewer, input.role);
    const m = await this.prisma.membership.findUnique({
      where: { tenantId_userId: { tenantId: viewer.tenantId, userId: input.userId } },
      select: { id: true, role: true, createdAt: true, user: { select: { email: true } } },
    });
    if (!m) throw apiError('NOT_FOUND', 'no such member');
    if (m.role === 'owner' && viewer.role !== 'owner') throw apiError('FORBIDDEN', 'only an owner can change an owner');
    if (m.role === 'owner' && input.role !== 'owner' && (await this.ownerCount(viewer.tenantId)) <= 1) {
      throw apiError('CONFLICT', 'a tenant keeps at least one owner');
    }
    await this.prisma.membership.update({ where: { id: m.id }, data: { role: input.role } });
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'member.changeRole',
      targetType: 'User',
      targetId: input.userId,
      before: { role: m.role },
      after: { role: input.role },
    });
    return { userId: input.userId, email: m.user.email, role: input.role, joinedAt: m.createdAt };
  }

  /** Removing a member ends their sessions in this tenant and disables the API keys they created here. */
  async remove(viewer: Viewer, userId: string, ctx: GqlContext): Promise<boolean> {
    await this.authz.authorize(viewer, 'delete', 'Member', { what: 'removing members' });
    const m = await this.prisma.membership.findUnique({
      where: { tenantId_userId: { tenantId: viewer.tenantId, userId } },
      select: { id: true, role: true },
    });
    if (!m) throw apiError('NOT_FOUND', 'no such member');
    if (m.role === 'owner' && viewer.role !== 'owner') throw apiError('FORBIDDEN', 'only an owner can remove an owner');
    if (m.role === 'owner' && (await this.ownerCount(viewer.tenantId)) <= 1)
      throw apiError('CONFLICT', 'a tenant keeps at least one owner');
    await this.prisma.$transaction([
      this.prisma.membership.delete({ where: { id: m.id } }),
      this.prisma.session.deleteMany({ where: { tenantId: viewer.tenantId, userId } }),
    ]);
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'member.remove',
      targetType: 'User',
      targetId: userId,
      before: { role: m.role },
    });
    return true;
  }

  /** Always answers the same, so it does not reveal which emails have accounts. */
  async requestPasswordReset(email: string, ctx: GqlContext): Promise<boolean> {
    const user = await this.prisma.user.findUnique({
      where: { email: email.toLowerCase() },
      select: { id: true, email: true, memberships: { select: { tenantId: true } } },
    });
    if (!user) return true;
    const { token, hash } = newLinkToken();
    await this.prisma.oneTimeToken.create({
      data: {
        userId: user.id,
        purpose: 'password-reset',
        tokenHash: hash,
        expiresAt: new Date(Date.now() + RESET_TTL_MS),
      },
    });
    await this.mailer.send({
      to: user.email,
      subject: 'Reset your Bathyscope password',
      text: [
        `Choose a new password within an hour: ${this.config.webUrl}/reset-password/${token}`,
        '',
        'If you did not ask for this, ignore this message.',
      ].join('\n'),
    });
    for (const m of user.memberships) {
      await this.audit.record(ctx, {
        tenantId: m.tenantId,
        actor: user.id,
        actorLabel: user.email,
        action: 'user.requestPasswordReset',
      });
    }
    return true;
  }

  /** Sets a new password from a single-use link and signs the user out everywhere. */
  async resetPassword(input: ResetPasswordInput, ctx: GqlContext): Promise<boolean> {
    const now = new Date();
    const row = await this.prisma.oneTimeToken.findUnique({
      where: { tokenHash: hashLinkToken(input.token) },
      select: { id: true, userId: true, purpose: true, expiresAt: true, usedAt: true },
    });
    if (row?.purpose !== 'password-reset' || row.usedAt || row.expiresAt < now) {
      throw apiError('BAD_USER_INPUT', 'this reset link is invalid, expired or already used', { field: 'token' });
    }
    const consumed = await this.prisma.oneTimeToken.updateMany({
      where: { id: row.id, usedAt: null },
      data: { usedAt: now },
    });
    if (consumed.count !== 1) throw apiError('BAD_USER_INPUT', 'this reset link is already used', { field: 'token' });
    await this.prisma.$transaction([
      this.prisma.user.update({
        where: { id: row.userId },
        data: { passwordHash: await hashPassword(input.password) },
      }),
      this.prisma.session.deleteMany({ where: { userId: row.userId } }),
    ]);
    const user = await this.prisma.user.findUnique({
      where: { id: row.userId },
      select: { email: true, memberships: { select: { tenantId: true } } },
    });
    for (const m of user?.memberships ?? []) {
      await this.audit.record(ctx, {
        tenantId: m.tenantId,
        actor: row.userId,
        actorLabel: user?.email ?? '',
        action: 'user.resetPassword',
      });
    }
    return true;
  }

  async myTenants(viewer: Viewer): Promise<TenantMembership[]> {
    const rows = await this.prisma.membership.findMany({
      where: { userId: viewer.userId },
      orderBy: { createdAt: 'asc' },
      select: { role: true, tenant: { select: { slug: true, name: true, id: true } } },
    });
    return rows.map((r) => ({
      slug: r.tenant.slug,
      name: r.tenant.name,
      role: r.role,
      current: r.tenant.id === viewer.tenantId,
    }));
  }

  /** A new session in another tenant the user belongs to; NOT_FOUND for tenants they do not. */
  async switchTenant(viewer: Viewer, slug: string): Promise<{ token: string; viewer: Viewer }> {
    if (viewer.apiKeyId) throw apiError('FORBIDDEN', 'API keys belong to one tenant');
    const tenant = await this.prisma.tenant.findUnique({ where: { slug }, select: { id: true } });
    const session = tenant ? await this.auth.sessionFor(viewer.userId, tenant.id) : null;
    if (!session) throw apiError('NOT_FOUND', 'no such tenant');
    return session;
  }
}
