import type { PrismaClient } from '@bathyscope/db';
import { accessibleBy } from '@casl/prisma/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import type { TenantQuery } from '../telemetry/tenant-query.js';
import { type AppAbility, buildAbility, decidingRule, type RuleOrigin, type StoredPolicy } from './ability.js';
import type { AbilityAction, ResourceType } from './resources.js';
import { REQUEST_LOG_COLUMNS, type ScopeResult, scopeTelemetry, type TelemetryColumns } from './telemetry-scope.js';

/**
 * Policies change rarely and are read on every request, so each process keeps a tenant's policies for a short
 * time. Changes made through this process invalidate at once; other API processes see them within this TTL.
 */
const POLICY_TTL_MS = 5_000;

/** The Policy columns that authorization reads (see StoredPolicy). */
export const STORED_POLICY_SELECT = {
  id: true,
  name: true,
  effect: true,
  binding: true,
  actions: true,
  resources: true,
  roles: true,
  teamIds: true,
  conditions: true,
  fields: true,
  enabled: true,
} as const;

interface TenantPolicies {
  loadedAt: number;
  policies: StoredPolicy[];
  /** Abilities are pure functions of (role, teams, key policy) and the tenant's policies. */
  abilities: Map<string, AppAbility>;
}

const ACTION_WORDS: Record<AbilityAction, string> = {
  read: 'reading',
  create: 'creating',
  update: 'changing',
  delete: 'deleting',
  manage: 'managing',
};

/** Describes the rule behind a decision in words a user can act on. */
export function explainDecision(origin: RuleOrigin | null, allowed: boolean): string {
  if (!origin) return 'no role or policy allows it (denied by default)';
  const verb = allowed ? 'allowed' : 'denied';
  if (origin.source === 'role') return `${verb} by the built-in ${origin.name} role`;
  if (origin.source === 'apiKeyPolicy') return `${verb} by the API key's policy "${origin.name}"`;
  return `${verb} by policy "${origin.name}"`;
}

@Injectable()
export class AuthzService {
  private readonly tenants = new Map<number, TenantPolicies>();
  private readonly viewerAbilities = new WeakMap<Viewer, AppAbility>();

  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async policiesOf(tenantId: number): Promise<TenantPolicies> {
    const cached = this.tenants.get(tenantId);
    if (cached && Date.now() - cached.loadedAt < POLICY_TTL_MS) return cached;
    const policies = await this.prisma.policy.findMany({
      where: { tenantId },
      select: STORED_POLICY_SELECT,
      orderBy: { createdAt: 'asc' },
    });
    const entry: TenantPolicies = { loadedAt: Date.now(), policies, abilities: new Map() };
    this.tenants.set(tenantId, entry);
    return entry;
  }

  /** Call after changing a tenant's policies or team memberships. */
  invalidate(tenantId: number): void {
    this.tenants.delete(tenantId);
  }

  async abilityFor(viewer: Viewer): Promise<AppAbility> {
    const memo = this.viewerAbilities.get(viewer);
    if (memo) return memo;
    const tenant = await this.policiesOf(viewer.tenantId);
    const key = `${viewer.role}|${[...viewer.teamIds].sort().join(',')}|${viewer.apiKeyPolicyId ?? ''}`;
    let ability = tenant.abilities.get(key);
    if (!ability) {
      ability = buildAbility(
        { role: viewer.role, teamIds: viewer.teamIds, apiKeyPolicyId: viewer.apiKeyPolicyId },
        tenant.policies,
      );
      tenant.abilities.set(key, ability);
    }
    this.viewerAbilities.set(viewer, ability);
    return ability;
  }

  /**
   * Throws FORBIDDEN unless the viewer may do `action` on `target` (a resource type, or an object tagged with
   * CASL's `subject()` so conditions are checked). The message names the rule that decided.
   */
  async authorize(
    viewer: Viewer,
    action: AbilityAction,
    target: ResourceType | object,
    options: { field?: string; what?: string } = {},
  ): Promise<void> {
    const ability = await this.abilityFor(viewer);
    if (ability.can(action, target as ResourceType, options.field)) return;
    const origin = decidingRule(ability, action, target as ResourceType, options.field);
    const type = typeof target === 'string' ? target : ability.detectSubjectType(target as never);
    const what = options.what ?? `${ACTION_WORDS[action]} ${type}${options.field ? `.${options.field}` : ''}`;
    throw apiError('FORBIDDEN', `${what} is not allowed: ${explainDecision(origin, false)} (you are ${viewer.role})`, {
      action,
      resource: type,
      ...(origin?.policyId ? { policyId: origin.policyId } : {}),
    });
  }

  async can(viewer: Viewer, action: AbilityAction, target: ResourceType | object, field?: string): Promise<boolean> {
    return (await this.abilityFor(viewer)).can(action, target as ResourceType, field);
  }

  /**
   * Prisma `where` for the rows of `resource` the viewer may `action` (@casl/prisma accessibleBy); combine it with
   * the tenant predicate, never instead of it.
   */
  async accessibleWhere(viewer: Viewer, action: AbilityAction, resource: 'Agent' | 'AgentGroup') {
    const ability = await this.abilityFor(viewer);
    return (
      accessibleBy(ability as never, action as never) as { ofType(type: string): Record<string, unknown> }
    ).ofType(resource);
  }

  /** Agent id → agent group name for the viewer's tenant ('' for agents without a group). */
  async agentGroupNames(viewer: Viewer): Promise<(agentId: number) => string> {
    const agents = await this.prisma.agent.findMany({
      where: { tenantId: viewer.tenantId, groupId: { not: null } },
      select: { id: true, group: { select: { name: true } } },
    });
    const names = new Map(agents.map((a) => [a.id, a.group?.name ?? '']));
    return (agentId) => names.get(agentId) ?? '';
  }

  /**
   * Restricts a telemetry query to what the viewer's policies allow (see scopeTelemetry). `views` say where the
   * policy attributes live in the table: the request log's string columns by default, `taggedColumns(db, side)`
   * for tables with resource tags — one view per party a row names, all of which must be allowed.
   */
  async scopeTelemetry(
    viewer: Viewer,
    query: TenantQuery,
    views: readonly TelemetryColumns[] = [REQUEST_LOG_COLUMNS],
  ): Promise<ScopeResult> {
    const ability = await this.abilityFor(viewer);
    const resolveGroups = async (names: readonly string[]) => {
      const agents = await this.prisma.agent.findMany({
        where: { tenantId: viewer.tenantId, group: { name: { in: [...names] } } },
        select: { id: true },
      });
      return agents.map((a) => a.id);
    };
    return scopeTelemetry(query, ability, resolveGroups, 'Request', 'read', views);
  }
}
