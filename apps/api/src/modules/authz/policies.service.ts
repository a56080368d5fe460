import { subject as tagSubject } from '@casl/ability';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { afterCursorWhere, encodeRowCursor } from '../../pagination.js';
import { AuditService } from '../audit/audit.service.js';
import { type GqlContext, isRole, ROLES, type Role, type Viewer } from '../auth/viewer.js';
import { buildAbility, decidingRule, policyApplies, type StoredPolicy } from './ability.js';
import { AuthzService, explainDecision, STORED_POLICY_SELECT } from './authz.service.js';
import type {
  AccessDecision,
  AuthzCatalog,
  Policy,
  PolicyBinding,
  PolicyConnection,
  PolicyEffect,
  PolicyInput,
  ResourceAttributesInput,
  SimulateAccessInput,
} from './dto/policies.types.js';
import { PolicyConditionError, parseConditions } from './policy-conditions.js';
import {
  ACTIONS,
  type Action,
  RESOURCE_ATTRIBUTES,
  RESOURCE_TYPES,
  type ResourceType,
  RESTRICTABLE_FIELDS,
} from './resources.js';

type PolicyRow = StoredPolicy & { description: string; createdAt: Date; updatedAt: Date };

const SELECT = { ...STORED_POLICY_SELECT, description: true, createdAt: true, updatedAt: true } as const;

/** The object a simulated check is made against: the resource's attributes in the shape its rules read. */
export function simulatedResource(resource: ResourceType, a: ResourceAttributesInput = {}): object {
  switch (resource) {
    case 'Request':
      return tagSubject('Request', {
        namespace: a.namespace ?? '',
        service: a.service ?? '',
        environment: a.environment ?? '',
        agentGroup: a.agentGroup ?? '',
      });
    case 'Agent':
      return tagSubject('Agent', { group: a.agentGroup ? { name: a.agentGroup } : null, labels: a.labels ?? [] });
    case 'AgentGroup':
      return tagSubject('AgentGroup', { name: a.agentGroup ?? '' });
    default:
      return tagSubject(resource, {});
  }
}

@Injectable()
export class PoliciesService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  catalog(): AuthzCatalog {
    return {
      actions: [...ACTIONS],
      roles: [...ROLES],
      resources: RESOURCE_TYPES.map((name) => ({
        name,
        attributes: [...RESOURCE_ATTRIBUTES[name]],
        fields: [...RESTRICTABLE_FIELDS[name]],
      })),
    };
  }

  async list(viewer: Viewer, first: number, after?: string): Promise<PolicyConnection> {
    await this.authz.authorize(viewer, 'read', 'Policy', { what: 'listing policies' });
    const rows = await this.prisma.policy.findMany({
      where: { tenantId: viewer.tenantId, ...afterCursorWhere(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: SELECT,
    });
    const page = rows.slice(0, first);
    const policies = await this.withTeams(viewer, page);
    const edges = page.map((r, i) => ({ cursor: encodeRowCursor(r.createdAt, r.id), node: policies[i] as Policy }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  async get(viewer: Viewer, id: string): Promise<Policy> {
    await this.authz.authorize(viewer, 'read', 'Policy', { what: 'reading policies' });
    return (await this.withTeams(viewer, [await this.find(viewer, id)]))[0] as Policy;
  }

  async create(viewer: Viewer, input: PolicyInput, ctx: GqlContext): Promise<Policy> {
    await this.authz.authorize(viewer, 'create', 'Policy', { what: 'creating policies' });
    const data = await this.validate(viewer, input);
    try {
      const row = await this.prisma.policy.create({ data: { tenantId: viewer.tenantId, ...data }, select: SELECT });
      this.authz.invalidate(viewer.tenantId);
      await this.record(viewer, ctx, 'policy.create', row.id, null, snapshot(row));
      return (await this.withTeams(viewer, [row]))[0] as Policy;
    } catch (err) {
      throw conflictOr(err, input.name);
    }
  }

  async update(viewer: Viewer, id: string, input: PolicyInput, ctx: GqlContext): Promise<Policy> {
    await this.authz.authorize(viewer, 'update', 'Policy', { what: 'changing policies' });
    const before = await this.find(viewer, id);
    const data = await this.validate(viewer, input);
    try {
      const row = await this.prisma.policy.update({ where: { id: before.id }, data, select: SELECT });
      this.authz.invalidate(viewer.tenantId);
      await this.record(viewer, ctx, 'policy.update', id, snapshot(before), snapshot(row));
      return (await this.withTeams(viewer, [row]))[0] as Policy;
    } catch (err) {
      throw conflictOr(err, input.name);
    }
  }

  /** Refused while API keys carry the policy: deleting it would silently widen what those keys can do. */
  async delete(viewer: Viewer, id: string, ctx: GqlContext): Promise<boolean> {
    await this.authz.authorize(viewer, 'delete', 'Policy', { what: 'deleting policies' });
    const before = await this.find(viewer, id);
    const keys = await this.prisma.apiKey.count({ where: { policyId: id, revokedAt: null } });
    if (keys > 0)
      throw apiError('CONFLICT', `policy "${before.name}" is attached to ${keys} API key(s); revoke them first`);
    await this.prisma.$transaction([
      // Revoked keys never authenticate again; detach them so the row can go.
      this.prisma.apiKey.updateMany({ where: { policyId: id, tenantId: viewer.tenantId }, data: { policyId: null } }),
      this.prisma.policy.delete({ where: { id: before.id } }),
    ]);
    this.authz.invalidate(viewer.tenantId);
    await this.record(viewer, ctx, 'policy.delete', id, snapshot(before), null);
    return true;
  }

  /** "Can X do Y on Z, and which rule decided?" Anyone may ask about themselves; admins about anyone. */
  async simulate(viewer: Viewer, input: SimulateAccessInput): Promise<AccessDecision> {
    const self = !input.apiKeyId && (!input.userId || (input.userId === viewer.userId && !viewer.apiKeyId));
    if (!self) await this.authz.authorize(viewer, 'read', 'Policy', { what: 'simulating access for others' });
    // An API key asking about itself is simulated as that key.
    const apiKeyId = input.apiKeyId ?? (self ? viewer.apiKeyId : undefined);
    let label: string;
    let role: Role;
    let teamIds: string[];
    let apiKeyPolicyId: string | null = null;
    if (apiKeyId) {
      const key = await this.prisma.apiKey.findFirst({
        where: { id: apiKeyId, tenantId: viewer.tenantId },
        select: { name: true, role: true, policyId: true, revokedAt: true, createdById: true },
      });
      if (!key) throw apiError('NOT_FOUND', 'no such API key');
      const creator = await this.prisma.membership.findUnique({
        where: { tenantId_userId: { tenantId: viewer.tenantId, userId: key.createdById } },
        select: { role: true, teams: { select: { teamId: true } } },
      });
      if (key.revokedAt || !creator) {
        return refused(`API key "${key.name}"`, key.role, 'the key is revoked or its creator left the tenant');
      }
      label = `API key "${key.name}"`;
      role = lowerRole(asRole(key.role), asRole(creator.role));
      teamIds = creator.teams.map((t) => t.teamId);
      apiKeyPolicyId = key.policyId;
    } else {
      const userId = input.userId ?? viewer.userId;
      const m = await this.prisma.membership.findUnique({
        where: { tenantId_userId: { tenantId: viewer.tenantId, userId } },
        select: { role: true, user: { select: { email: true } }, teams: { select: { teamId: true } } },
      });
      if (!m) throw apiError('NOT_FOUND', 'no such member');
      label = m.user.email;
      role = asRole(m.role);
      teamIds = m.teams.map((t) => t.teamId);
    }
    const resource = input.resource as ResourceType;
    if (input.field && !RESTRICTABLE_FIELDS[resource].includes(input.field)) {
      throw apiError('BAD_USER_INPUT', `${resource} has no field-level rules for "${input.field}"`, { field: 'field' });
    }
    const { policies } = await this.authz.policiesOf(viewer.tenantId);
    const subject = { role, teamIds, apiKeyPolicyId };
    const ability = buildAbility(subject, policies);
    const target = simulatedResource(resource, input.attributes);
    const action = input.action as Action;
    const allowed = ability.can(action, target as never, input.field);
    const origin = decidingRule(ability, action, target, input.field);
    const teams = await this.prisma.team.findMany({
      where: { tenantId: viewer.tenantId, id: { in: teamIds } },
      select: { name: true },
      orderBy: { name: 'asc' },
    });
    return {
      allowed,
      reason: explainDecision(origin, allowed),
      decidedBy: origin
        ? { source: origin.source, name: origin.name, effect: origin.effect, policyId: origin.policyId ?? null }
        : null,
      subject: label,
      role,
      teams: teams.map((t) => t.name),
      applicablePolicies: policies
        .filter((p) => p.id === apiKeyPolicyId || (role !== 'owner' && policyApplies(p, subject)))
        .map((p) => p.name),
    };
  }

  /** Checks an input against the tenant and the author's own rights; returns the row data. */
  private async validate(viewer: Viewer, input: PolicyInput) {
    const resources = [...new Set(input.resources)] as ResourceType[];
    const actions = [...new Set(input.actions)] as Action[];
    let conditions: unknown;
    try {
      conditions = parseConditions(input.conditions, resources);
    } catch (err) {
      if (err instanceof PolicyConditionError) throw apiError('BAD_USER_INPUT', err.message, { field: err.field });
      throw err;
    }
    const fields = [...new Set(input.fields)];
    for (const field of fields) {
      for (const resource of resources) {
        if (!RESTRICTABLE_FIELDS[resource].includes(field)) {
          throw apiError(
            'BAD_USER_INPUT',
            `${resource} has no field "${field}" that policies can restrict (it has: ${RESTRICTABLE_FIELDS[resource].join(', ') || 'none'})`,
            { field: 'fields' },
          );
        }
      }
    }
    const teamIds = [...new Set(input.teamIds)];
    if (teamIds.length > 0) {
      const found = await this.prisma.team.count({ where: { tenantId: viewer.tenantId, id: { in: teamIds } } });
      if (found !== teamIds.length) throw apiError('BAD_USER_INPUT', 'unknown team', { field: 'teamIds' });
    }
    const roles = [...new Set(input.roles)].filter(isRole);
    // No escalation through policies: an allow can only grant what its author may do themselves.
    if (input.effect === 'allow') {
      const ability = await this.authz.abilityFor(viewer);
      for (const resource of resources) {
        for (const action of actions) {
          if (!ability.can(action, resource)) {
            throw apiError('FORBIDDEN', `you cannot grant ${action} on ${resource}: you may not do it yourself`);
          }
        }
      }
    }
    return {
      name: input.name,
      description: input.description ?? '',
      effect: input.effect as string,
      binding: input.binding as string,
      actions,
      resources,
      roles,
      teamIds,
      conditions: conditions as never,
      fields,
      enabled: input.enabled,
    };
  }

  private async find(viewer: Viewer, id: string): Promise<PolicyRow> {
    const row = await this.prisma.policy.findFirst({ where: { id, tenantId: viewer.tenantId }, select: SELECT });
    if (!row) throw apiError('NOT_FOUND', 'no such policy');
    return row;
  }

  private async withTeams(viewer: Viewer, rows: PolicyRow[]): Promise<Policy[]> {
    const ids = [...new Set(rows.flatMap((r) => r.teamIds))];
    const teams =
      ids.length === 0
        ? []
        : await this.prisma.team.findMany({
            where: { tenantId: viewer.tenantId, id: { in: ids } },
            select: { id: true, name: true, description: true, createdAt: true },
          });
    const byId = new Map(teams.map((t) => [t.id, { ...t, members: [] }]));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      effect: r.effect as PolicyEffect,
      binding: r.binding as PolicyBinding,
      actions: r.actions,
      resources: r.resources,
      roles: r.roles,
      teams: r.teamIds.flatMap((t) => byId.get(t) ?? []),
      conditions: (r.conditions as { attribute: string; key?: string; operator: string; values: string[] }[]).map(
        (c) => ({ ...c, key: c.key ?? null }),
      ),
      fields: r.fields,
      enabled: r.enabled,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }));
  }

  private get record() {
    return this.audit.recorderFor('Policy');
  }
}

function snapshot(r: PolicyRow): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, id: _i, ...rest } = r;
  return rest;
}

function conflictOr(err: unknown, name: string): unknown {
  if ((err as { code?: string }).code === 'P2002') return apiError('CONFLICT', `a policy named "${name}" exists`);
  return err;
}

function asRole(value: string): Role {
  return isRole(value) ? value : 'viewer';
}

function lowerRole(a: Role, b: Role): Role {
  return ROLES[Math.min(ROLES.indexOf(a), ROLES.indexOf(b))] as Role;
}

function refused(subject: string, role: string, reason: string): AccessDecision {
  return { allowed: false, reason, decidedBy: null, subject, role, teams: [], applicablePolicies: [] };
}
