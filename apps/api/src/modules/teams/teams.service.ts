import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { afterCursorWhere, encodeRowCursor } from '../../pagination.js';
import { AuditService } from '../audit/audit.service.js';
import { type GqlContext, type Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import type { Team, TeamConnection, TeamInput } from './dto/teams.types.js';

const SELECT = {
  id: true,
  name: true,
  description: true,
  createdAt: true,
  members: {
    select: { userId: true, membership: { select: { user: { select: { email: true, name: true } } } } },
    orderBy: { createdAt: 'asc' },
  },
} as const;

interface TeamRow {
  id: string;
  name: string;
  description: string;
  createdAt: Date;
  members: { userId: string; membership: { user: { email: string; name: string } } }[];
}

function toTeam(r: TeamRow): Team {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    createdAt: r.createdAt,
    members: r.members.map((m) => ({ userId: m.userId, email: m.membership.user.email, name: m.membership.user.name })),
  };
}

/** Teams group members so ABAC policies can address them. Another tenant's ids are NOT_FOUND. */
@Injectable()
export class TeamsService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async list(viewer: Viewer, first: number, after?: string): Promise<TeamConnection> {
    await this.authz.authorize(viewer, 'read', 'Team', { what: 'listing teams' });
    const rows = await this.prisma.team.findMany({
      where: { tenantId: viewer.tenantId, ...afterCursorWhere(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: SELECT,
    });
    const edges = rows.slice(0, first).map((r) => ({ cursor: encodeRowCursor(r.createdAt, r.id), node: toTeam(r) }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  async create(viewer: Viewer, input: TeamInput, ctx: GqlContext): Promise<Team> {
    await this.authz.authorize(viewer, 'create', 'Team', { what: 'creating teams' });
    try {
      const row = await this.prisma.team.create({
        data: { tenantId: viewer.tenantId, name: input.name, description: input.description ?? '' },
        select: SELECT,
      });
      await this.record(viewer, ctx, 'team.create', row.id, null, { name: row.name, description: row.description });
      return toTeam(row);
    } catch (err) {
      throw this.conflictOr(err, input.name);
    }
  }

  async update(viewer: Viewer, id: string, input: TeamInput, ctx: GqlContext): Promise<Team> {
    await this.authz.authorize(viewer, 'update', 'Team', { what: 'changing teams' });
    const before = await this.find(viewer, id);
    try {
      const row = await this.prisma.team.update({
        where: { id: before.id },
        data: { name: input.name, description: input.description ?? '' },
        select: SELECT,
      });
      await this.record(
        viewer,
        ctx,
        'team.update',
        id,
        { name: before.name, description: before.description },
        { name: row.name, description: row.description },
      );
      return toTeam(row);
    } catch (err) {
      throw this.conflictOr(err, input.name);
    }
  }

  /** Refused while policies name the team: silently dropping it could widen what those policies restrict. */
  async delete(viewer: Viewer, id: string, ctx: GqlContext): Promise<boolean> {
    await this.authz.authorize(viewer, 'delete', 'Team', { what: 'deleting teams' });
    const team = await this.find(viewer, id);
    const policies = await this.prisma.policy.findMany({
      where: { tenantId: viewer.tenantId, teamIds: { has: id } },
      select: { name: true },
    });
    if (policies.length > 0) {
      throw apiError(
        'CONFLICT',
        `team "${team.name}" is used by ${policies.map((p) => `"${p.name}"`).join(', ')}; change those policies first`,
      );
    }
    await this.prisma.team.delete({ where: { id: team.id } });
    await this.record(viewer, ctx, 'team.delete', id, { name: team.name }, null);
    return true;
  }

  async addMember(viewer: Viewer, teamId: string, userId: string, ctx: GqlContext): Promise<Team> {
    await this.authz.authorize(viewer, 'update', 'Team', { what: 'changing team members' });
    const team = await this.find(viewer, teamId);
    const membership = await this.prisma.membership.findUnique({
      where: { tenantId_userId: { tenantId: viewer.tenantId, userId } },
      select: { userId: true },
    });
    if (!membership) throw apiError('NOT_FOUND', 'no such member');
    await this.prisma.teamMember.upsert({
      where: { teamId_userId: { teamId, userId } },
      create: { teamId, userId, tenantId: viewer.tenantId },
      update: {},
    });
    await this.record(viewer, ctx, 'team.addMember', teamId, null, { team: team.name, userId });
    return toTeam(await this.find(viewer, teamId));
  }

  async removeMember(viewer: Viewer, teamId: string, userId: string, ctx: GqlContext): Promise<Team> {
    await this.authz.authorize(viewer, 'update', 'Team', { what: 'changing team members' });
    const team = await this.find(viewer, teamId);
    const { count } = await this.prisma.teamMember.deleteMany({ where: { teamId, userId, tenantId: viewer.tenantId } });
    if (count === 0) throw apiError('NOT_FOUND', 'not a member of this team');
    await this.record(viewer, ctx, 'team.removeMember', teamId, { team: team.name, userId }, null);
    return toTeam(await this.find(viewer, teamId));
  }

  private async find(viewer: Viewer, id: string): Promise<TeamRow> {
    const row = await this.prisma.team.findFirst({ where: { id, tenantId: viewer.tenantId }, select: SELECT });
    if (!row) throw apiError('NOT_FOUND', 'no such team');
    return row;
  }

  private conflictOr(err: unknown, name: string): unknown {
    if ((err as { code?: string }).code === 'P2002') return apiError('CONFLICT', `a team named "${name}" exists`);
    return err;
  }

  private get record() {
    return this.audit.recorderFor('Team');
  }
}
