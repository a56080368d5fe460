import { subject } from '@casl/ability';
import type { PrismaClient } from '@bathyscope/db';
import { type AgentConfig, DEFAULT_AGENT_CONFIG, validateAgentConfig } from '@bathyscope/wire';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { AuditService } from '../audit/audit.service.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import {
  type AgentConfigVersion,
  type AgentConfigVersionConnection,
  MAX_CONFIG_COMMENT,
} from './agent-config.types.js';

const VERSION_SELECT = {
  version: true,
  config: true,
  comment: true,
  createdAt: true,
  rolledBackFrom: true,
  createdBy: { select: { email: true } },
} as const;

type VersionRow = {
  version: number;
  config: unknown;
  comment: string;
  createdAt: Date;
  rolledBackFrom: number | null;
  createdBy: { email: string } | null;
};

/** What a group that was never configured runs; listed last in every history. */
export const DEFAULTS_VERSION: AgentConfigVersion = Object.freeze({
  version: 0,
  config: DEFAULT_AGENT_CONFIG,
  comment: 'built-in defaults',
  createdAt: null,
  createdBy: null,
  rolledBackFrom: null,
});

function toVersion(r: VersionRow): AgentConfigVersion {
  return { ...r, createdBy: r.createdBy?.email ?? null };
}

/** History cursors: the version, opaque to clients. */
function encodeCursor(version: number): string {
  return Buffer.from(`v${version}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^v(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw apiError('BAD_USER_INPUT', 'invalid cursor', { field: 'after' });
  return Number(m[1]);
}

type Group = { id: string; name: string; configVersion: number };

/**
 * Versioned agent-group configuration. Every change appends a version (`AgentGroup.configVersion` + 1, in one
 * transaction whose row lock orders concurrent writers) and never edits one, so agents only ever see the version
 * number grow and the history says who changed what. A rollback appends a copy of an old version. The gateways
 * serve the current version at check-in (apps/ingest/src/group-config-cache.ts, cached 2 s).
 *
 * Reading needs `read` on the group, changing `update` on it (editors; policies can narrow by group name).
 * Another tenant's group is NOT_FOUND.
 */
@Injectable()
export class AgentConfigService {
  private readonly recordChange: ReturnType<AuditService['recorderFor']>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) audit: AuditService,
  ) {
    this.recordChange = audit.recorderFor('AgentGroup');
  }

  private async visibleGroup(viewer: Viewer, groupId: string): Promise<Group> {
    const group = await this.prisma.agentGroup.findFirst({
      where: {
        AND: [
          { id: groupId, tenantId: viewer.tenantId },
          await this.authz.accessibleWhere(viewer, 'read', 'AgentGroup'),
        ],
      },
      select: { id: true, name: true, configVersion: true },
    });
    if (!group) throw apiError('NOT_FOUND', 'no such agent group');
    return group;
  }

  private async version(group: Group, version: number): Promise<AgentConfigVersion | null> {
    if (version === 0) return DEFAULTS_VERSION;
    const row = await this.prisma.agentConfigVersion.findUnique({
      where: { groupId_version: { groupId: group.id, version } },
      select: VERSION_SELECT,
    });
    return row ? toVersion(row) : null;
  }

  async current(viewer: Viewer, groupId: string): Promise<AgentConfigVersion> {
    const group = await this.visibleGroup(viewer, groupId);
    return (await this.version(group, group.configVersion)) ?? DEFAULTS_VERSION;
  }

  /** Newest first, ending with version 0 (the defaults the group started with). */
  async history(viewer: Viewer, groupId: string, first: number, after?: string): Promise<AgentConfigVersionConnection> {
    const group = await this.visibleGroup(viewer, groupId);
    const before = after === undefined ? null : decodeCursor(after);
    const [rows, stored] = await Promise.all([
      this.prisma.agentConfigVersion.findMany({
        where: {
          groupId: group.id,
          tenantId: viewer.tenantId,
          ...(before === null ? {} : { version: { lt: before } }),
        },
        orderBy: { version: 'desc' },
        take: first + 1,
        select: VERSION_SELECT,
      }),
      this.prisma.agentConfigVersion.count({ where: { groupId: group.id, tenantId: viewer.tenantId } }),
    ]);
    const nodes = rows.map(toVersion);
    if (nodes.length <= first && (before === null || before > 0)) nodes.push(DEFAULTS_VERSION);
    const edges = nodes.slice(0, first).map((node) => ({ cursor: encodeCursor(node.version), node }));
    return {
      edges,
      pageInfo: { hasNextPage: nodes.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: stored + 1,
    };
  }

  async update(
    viewer: Viewer,
    groupId: string,
    config: unknown,
    comment: string | undefined,
    ctx: GqlContext,
  ): Promise<AgentConfigVersion> {
    const group = await this.visibleGroup(viewer, groupId);
    await this.authz.authorize(viewer, 'update', subject('AgentGroup', { name: group.name }), {
      what: `configuring agent group ${group.name}`,
    });
    if ((comment ?? '').length > MAX_CONFIG_COMMENT) {
      throw apiError('BAD_USER_INPUT', `comment is longer than ${MAX_CONFIG_COMMENT} characters`, { field: 'comment' });
    }
    const verdict = validateAgentConfig(config);
    if (!verdict.ok) {
      throw apiError('BAD_USER_INPUT', `invalid agent configuration: ${verdict.errors.join('; ')}`, {
        field: 'config',
        errors: verdict.errors,
      });
    }
    const created = await this.append(viewer, group, verdict.config, comment ?? '', null);
    await this.recordChange(
      viewer,
      ctx,
      'agentGroup.configure',
      group.id,
      { version: group.configVersion },
      { group: group.name, version: created.version, comment: created.comment, config: created.config },
    );
    return created;
  }

  /** Appends a copy of `version` as the new current version (0: back to the built-in defaults). */
  async rollback(viewer: Viewer, groupId: string, version: number, ctx: GqlContext): Promise<AgentConfigVersion> {
    const group = await this.visibleGroup(viewer, groupId);
    await this.authz.authorize(viewer, 'update', subject('AgentGroup', { name: group.name }), {
      what: `configuring agent group ${group.name}`,
    });
    const target = version < 0 ? null : await this.version(group, version);
    if (!target) throw apiError('NOT_FOUND', `agent group ${group.name} has no configuration version ${version}`);
    // A version written under an older schema may not be valid any more: never hand agents an invalid document.
    const verdict = validateAgentConfig(target.config);
    if (!verdict.ok) {
      throw apiError('BAD_USER_INPUT', `version ${version} is not a valid configuration any more`, {
        field: 'version',
        errors: verdict.errors,
      });
    }
    const created = await this.append(viewer, group, verdict.config, `rollback to version ${version}`, version);
    await this.recordChange(
      viewer,
      ctx,
      'agentGroup.rollbackConfig',
      group.id,
      { version: group.configVersion },
      { group: group.name, version: created.version, rolledBackFrom: version },
    );
    return created;
  }

  private async append(
    viewer: Viewer,
    group: Group,
    config: AgentConfig,
    comment: string,
    rolledBackFrom: number | null,
  ): Promise<AgentConfigVersion> {
    try {
      const row = await this.prisma.$transaction(async (tx) => {
        // The UPDATE locks the group row: concurrent writers get consecutive versions, never the same one.
        const bumped = await tx.agentGroup.update({
          where: { id: group.id, tenantId: viewer.tenantId },
          data: { configVersion: { increment: 1 } },
          select: { configVersion: true },
        });
        return tx.agentConfigVersion.create({
          data: {
            tenantId: viewer.tenantId,
            groupId: group.id,
            version: bumped.configVersion,
            config: config as object,
            comment,
            createdById: viewer.userId,
            rolledBackFrom,
          },
          select: VERSION_SELECT,
        });
      });
      return toVersion(row);
    } catch (err) {
      // The group was deleted meanwhile.
      if ((err as { code?: string }).code === 'P2025') throw apiError('NOT_FOUND', 'no such agent group');
      throw err;
    }
  }
}
