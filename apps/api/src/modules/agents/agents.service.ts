import { subject } from '@casl/ability';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { AuditService } from '../audit/audit.service.js';
import { actorOf, type GqlContext, type Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import {
  type Agent,
  type AgentGroup,
  type AgentGroupInput,
  type AgentHostFacts,
  AgentState,
  type UpdateAgentInput,
} from './agents.types.js';

/** An agent is OFFLINE after this many check-in intervals of silence, and never sooner than OFFLINE_MIN_MS. */
const OFFLINE_AFTER_INTERVALS = 3;
const OFFLINE_MIN_MS = 60_000;
/** Agents that never reported an interval (statuses from before check-in) are assumed to use the default. */
const DEFAULT_CHECKIN_INTERVAL_S = 30;

/** The `status` JSON the gateway stores at each check-in (apps/ingest/src/checkin.ts); older rows lack fields. */
interface StoredStatus {
  state?: string;
  configVersion?: number;
  configError?: string | null;
  capabilities?: { ok?: boolean; kernel?: string; problems?: string[]; programs?: string[] };
  resources?: { cpuPercent?: number; rssBytes?: number };
  counters?: Record<string, number>;
  checkinIntervalSeconds?: number;
}

export const AGENT_SELECT = {
  id: true,
  revokedAt: true,
  name: true,
  hostname: true,
  version: true,
  lastSeenAt: true,
  status: true,
  labels: true,
  hostFacts: true,
  enrolledAt: true,
  group: { select: { id: true, name: true, description: true, createdAt: true, configVersion: true } },
} as const;

export type AgentRow = {
  id: number;
  revokedAt: Date | null;
  name: string;
  hostname: string;
  version: string;
  lastSeenAt: Date | null;
  status: unknown;
  labels: string[];
  hostFacts: unknown;
  enrolledAt: Date | null;
  group: { id: string; name: string; description: string; createdAt: Date; configVersion: number } | null;
};

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Host facts as enrollment stored them (validated there); anything else reads as absent. */
function toHostFacts(raw: unknown): AgentHostFacts | null {
  if (raw === null || typeof raw !== 'object') return null;
  const f = raw as Record<string, unknown>;
  const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : '');
  return {
    hostname: str('hostname'),
    machineId: str('machineId'),
    kernel: str('kernel'),
    ips: isStringArray(f.ips) ? f.ips : [],
    btf: f.btf === true,
    capabilities: isStringArray(f.capabilities) ? f.capabilities : [],
    cgroupVersion: typeof f.cgroupVersion === 'number' ? f.cgroupVersion : null,
    agentVersion: str('agentVersion'),
  };
}

/**
 * ONLINE / DEGRADED / OFFLINE / NEVER_SEEN. Silence is measured in the agent's own check-in intervals: the status
 * records the interval the gateway last told it to use, and an agent applies a new interval right after the
 * check-in that delivered it, so `3 × that interval` is always the right yardstick.
 */
export function agentState(r: Pick<AgentRow, 'revokedAt' | 'lastSeenAt' | 'status'>, now: number): AgentState {
  if (!r.lastSeenAt) return AgentState.NEVER_SEEN;
  if (r.revokedAt) return AgentState.OFFLINE;
  const status = (r.status ?? {}) as StoredStatus;
  const interval = status.checkinIntervalSeconds ?? DEFAULT_CHECKIN_INTERVAL_S;
  if (now - r.lastSeenAt.getTime() > Math.max(OFFLINE_MIN_MS, OFFLINE_AFTER_INTERVALS * interval * 1000)) {
    return AgentState.OFFLINE;
  }
  const troubled = (status.capabilities?.problems?.length ?? 0) > 0 || Boolean(status.configError);
  return status.state === 'running' && !troubled ? AgentState.ONLINE : AgentState.DEGRADED;
}

/** A revoked agent reports nothing any more: it is OFFLINE (or NEVER_SEEN) and says why. */
export function toAgent(r: AgentRow, now: number): Agent {
  const status = (r.status ?? {}) as StoredStatus;
  const state = agentState(r, now);
  return {
    id: r.id,
    name: r.name,
    hostname: r.hostname,
    version: r.version,
    state,
    lastSeenAt: r.lastSeenAt,
    ebpfOk: !r.revokedAt && (status.capabilities?.ok ?? false),
    problems: r.revokedAt ? ['agent was revoked'] : (status.capabilities?.problems ?? []),
    kernel: status.capabilities?.kernel ?? null,
    counters: r.revokedAt ? [] : Object.entries(status.counters ?? {}).map(([name, value]) => ({ name, value })),
    group: r.group ? { ...r.group, agentCount: 0 } : null,
    labels: r.labels,
    configVersion: status.configVersion ?? 0,
    desiredConfigVersion: r.group?.configVersion ?? 0,
    configError: status.configError ?? null,
    programs: r.revokedAt ? [] : (status.capabilities?.programs ?? []),
    cpuPercent: status.resources?.cpuPercent ?? null,
    rssBytes: status.resources?.rssBytes ?? null,
    hostFacts: toHostFacts(r.hostFacts),
    enrolledAt: r.enrolledAt,
    revokedAt: r.revokedAt,
  };
}

/** The object CASL checks agent rules against: the attributes policies read. */
export function agentSubject(r: { group: { name: string } | null; labels: string[] }) {
  return subject('Agent', { group: r.group ? { name: r.group.name } : null, labels: r.labels });
}

@Injectable()
export class AgentsService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  /**
   * Agents the viewer may read. The fleet list is bounded per tenant and not paginated, so rows are read with the
   * tenant predicate and filtered by the same CASL rules in memory: measured (BENCHMARKS.md) this costs a few
   * percent, where pushing relation conditions into Prisma (accessibleBy) cost ~20% of throughput. Paginated and
   * by-id reads use accessibleBy.
   */
  async list(viewer: Viewer): Promise<Agent[]> {
    const [ability, rows] = await Promise.all([
      this.authz.abilityFor(viewer),
      this.prisma.agent.findMany({
        where: { tenantId: viewer.tenantId, revokedAt: null },
        select: AGENT_SELECT,
        orderBy: { id: 'asc' },
      }),
    ]);
    const now = Date.now();
    return rows.filter((r) => ability.can('read', agentSubject(r))).map((r) => toAgent(r, now));
  }

  /** One agent, revoked ones included (they show why they stopped); NOT_FOUND when not visible to the viewer. */
  async get(viewer: Viewer, id: number): Promise<Agent> {
    const row = await this.prisma.agent.findFirst({
      where: { AND: [{ id, tenantId: viewer.tenantId }, await this.authz.accessibleWhere(viewer, 'read', 'Agent')] },
      select: AGENT_SELECT,
    });
    if (!row) throw apiError('NOT_FOUND', 'no such agent');
    return toAgent(row, Date.now());
  }

  /**
   * Removes an agent. Its credential stops working at once for new access tokens and within the gateways' 5 s
   * agent cache for everything else (the row is gone, so the credential names an unknown agent: 401); a status
   * write still buffered for it matches no row. Its telemetry stays (rows carry the agent id); the machine can
   * enroll again as a new agent. Checked on the agent as it is, like revokeAgent, but as `delete`: admins, or
   * whom a policy allows.
   */
  async delete(viewer: Viewer, id: number, ctx: GqlContext): Promise<boolean> {
    const agent = await this.prisma.agent.findFirst({
      where: { AND: [{ id, tenantId: viewer.tenantId }, await this.authz.accessibleWhere(viewer, 'read', 'Agent')] },
      select: AGENT_SELECT,
    });
    if (!agent) throw apiError('NOT_FOUND', 'no such agent');
    await this.authz.authorize(viewer, 'delete', agentSubject(agent), { what: `deleting agent ${agent.name}` });
    const deleted = await this.prisma.agent.deleteMany({ where: { id: agent.id, tenantId: viewer.tenantId } });
    if (deleted.count === 0) throw apiError('NOT_FOUND', 'no such agent');
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'agent.delete',
      targetType: 'Agent',
      targetId: String(id),
      before: {
        name: agent.name,
        hostname: agent.hostname,
        group: agent.group?.name ?? null,
        labels: agent.labels,
        revokedAt: agent.revokedAt,
      },
    });
    return true;
  }

  /**
   * Moves an agent between groups and sets its labels. The policy is checked on the agent as it is and as it
   * would be, so nobody can move an agent out of (or into) a scope they do not control.
   */
  async update(viewer: Viewer, id: number, input: UpdateAgentInput, ctx: GqlContext): Promise<Agent> {
    const before = await this.prisma.agent.findFirst({
      where: {
        AND: [
          { id, tenantId: viewer.tenantId, revokedAt: null },
          await this.authz.accessibleWhere(viewer, 'read', 'Agent'),
        ],
      },
      select: AGENT_SELECT,
    });
    if (!before) throw apiError('NOT_FOUND', 'no such agent');
    await this.authz.authorize(viewer, 'update', agentSubject(before), { what: `changing agent ${before.name}` });
    let group = before.group;
    if (input.ungroup) group = null;
    else if (input.groupId) {
      group = await this.prisma.agentGroup.findFirst({
        where: { id: input.groupId, tenantId: viewer.tenantId },
        select: { id: true, name: true, description: true, createdAt: true, configVersion: true },
      });
      if (!group) throw apiError('NOT_FOUND', 'no such agent group');
    }
    const labels = input.labels ? [...new Set(input.labels)] : before.labels;
    await this.authz.authorize(viewer, 'update', agentSubject({ group, labels }), {
      what: `moving agent ${before.name} there`,
    });
    const row = await this.prisma.agent.update({
      where: { id: before.id },
      data: { groupId: group?.id ?? null, labels },
      select: AGENT_SELECT,
    });
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'agent.update',
      targetType: 'Agent',
      targetId: String(id),
      before: { group: before.group?.name ?? null, labels: before.labels },
      after: { group: row.group?.name ?? null, labels: row.labels },
    });
    return toAgent(row, Date.now());
  }

  async groups(viewer: Viewer): Promise<AgentGroup[]> {
    const [groups, visibleAgents] = await Promise.all([
      this.prisma.agentGroup.findMany({
        where: { AND: [{ tenantId: viewer.tenantId }, await this.authz.accessibleWhere(viewer, 'read', 'AgentGroup')] },
        select: { id: true, name: true, description: true, createdAt: true, configVersion: true },
        orderBy: { name: 'asc' },
      }),
      this.list(viewer),
    ]);
    return groups.map((g) => ({ ...g, agentCount: visibleAgents.filter((a) => a.group?.id === g.id).length }));
  }

  async createGroup(viewer: Viewer, input: AgentGroupInput, ctx: GqlContext): Promise<AgentGroup> {
    await this.authz.authorize(viewer, 'create', subject('AgentGroup', { name: input.name }), {
      what: `creating agent group ${input.name}`,
    });
    try {
      const row = await this.prisma.agentGroup.create({
        data: { tenantId: viewer.tenantId, name: input.name, description: input.description ?? '' },
        select: { id: true, name: true, description: true, createdAt: true, configVersion: true },
      });
      await this.audit.record(ctx, {
        tenantId: viewer.tenantId,
        ...actorOf(viewer),
        action: 'agentGroup.create',
        targetType: 'AgentGroup',
        targetId: row.id,
        after: { name: row.name, description: row.description },
      });
      return { ...row, agentCount: 0 };
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw apiError('CONFLICT', `group "${input.name}" exists`);
      throw err;
    }
  }

  /** Agents of a deleted group become ungrouped (they keep running and reporting). */
  async deleteGroup(viewer: Viewer, id: string, ctx: GqlContext): Promise<boolean> {
    const group = await this.prisma.agentGroup.findFirst({
      where: { id, tenantId: viewer.tenantId },
      select: { id: true, name: true },
    });
    if (!group) throw apiError('NOT_FOUND', 'no such agent group');
    await this.authz.authorize(viewer, 'delete', subject('AgentGroup', { name: group.name }), {
      what: `deleting agent group ${group.name}`,
    });
    await this.prisma.agentGroup.delete({ where: { id: group.id } });
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'agentGroup.delete',
      targetType: 'AgentGroup',
      targetId: id,
      before: { name: group.name },
    });
    return true;
  }
}
