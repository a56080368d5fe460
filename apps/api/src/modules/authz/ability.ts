import type { Ability, RawRule } from '@casl/ability';
import { createPrismaAbility } from '@casl/prisma/runtime';
import type { Role } from '../auth/viewer.js';
import { compileConditions, parseConditions } from './policy-conditions.js';
import {
  type AbilityAction,
  isAction,
  isResourceType,
  RESOURCE_TYPES,
  RESTRICTABLE_FIELDS,
  type ResourceType,
} from './resources.js';

/** Where a rule came from, so a decision can say which rule made it (simulator, FORBIDDEN messages). */
export interface RuleOrigin {
  source: 'role' | 'policy' | 'apiKeyPolicy';
  name: string;
  effect: 'allow' | 'deny';
  policyId?: string;
}

type Conditions = Record<string, unknown>;
export type AppRule = RawRule<[AbilityAction, ResourceType | 'all'], Conditions> & { origin: RuleOrigin };
export type AppAbility = Ability<[AbilityAction, ResourceType | 'all' | object], Conditions>;

/** A policy as stored (Policy row); conditions are re-validated when compiled. */
export interface StoredPolicy {
  id: string;
  name: string;
  effect: string;
  /** members: binds by roles/teams; attached: only through an API key that carries it. */
  binding: string;
  actions: string[];
  resources: string[];
  roles: string[];
  teamIds: string[];
  conditions: unknown;
  fields: string[];
  enabled: boolean;
}

/** The subject attributes policies read. */
export interface AccessSubject {
  role: Role;
  teamIds: readonly string[];
  /** The API key's own policy, when the caller is an API key that has one. */
  apiKeyPolicyId?: string | null;
}

const TELEMETRY_AND_FLEET: ResourceType[] = [
  'Request',
  'Agent',
  'AgentGroup',
  'Team',
  'Member',
  'Tenant',
  // The inventory names what telemetry is tagged with, so whoever reads telemetry reads it; connectors are admin's.
  'InventoryResource',
];
const ADMIN_MANAGED = RESOURCE_TYPES.filter((r) => r !== 'SsoConnection');

/** Built-in roles. Each includes the one before; owners are never subject to custom policies (break glass). */
export function roleRules(role: Role): AppRule[] {
  const origin = (effect: 'allow' | 'deny' = 'allow'): RuleOrigin => ({ source: 'role', name: role, effect });
  const viewer: AppRule[] = [{ action: 'read', subject: TELEMETRY_AND_FLEET, origin: origin() }];
  switch (role) {
    case 'viewer':
      return viewer;
    case 'editor':
      // Editors manage the fleet but do not delete agents (deleteAgent): that is for admins, or a policy's grant.
      return [
        ...viewer,
        { action: ['create', 'update'], subject: 'Agent', origin: origin() },
        { action: ['create', 'update', 'delete'], subject: 'AgentGroup', origin: origin() },
      ];
    case 'admin':
      return [
        { action: 'manage', subject: ADMIN_MANAGED, origin: origin() },
        { action: 'read', subject: 'SsoConnection', origin: origin() },
      ];
    case 'owner':
      return [{ action: 'manage', subject: 'all', origin: origin() }];
  }
}

/** Whether a tenant policy applies to a subject: every non-empty subject attribute list must match. */
export function policyApplies(policy: StoredPolicy, subject: AccessSubject): boolean {
  if (!policy.enabled || policy.binding !== 'members') return false;
  if (policy.roles.length > 0 && !policy.roles.includes(subject.role)) return false;
  if (policy.teamIds.length > 0 && !policy.teamIds.some((t) => subject.teamIds.includes(t))) return false;
  return true;
}

/** CASL rules for one policy: one rule per resource type, because conditions are compiled per type. */
export function policyRules(policy: StoredPolicy, source: RuleOrigin['source'] = 'policy'): AppRule[] {
  const effect = policy.effect === 'deny' ? 'deny' : 'allow';
  const actions = policy.actions.filter(isAction);
  const resources = policy.resources.filter(isResourceType);
  if (actions.length === 0 || resources.length === 0) return [];
  const conditions = parseConditions(policy.conditions, resources);
  const origin: RuleOrigin = { source, name: policy.name, effect, policyId: policy.id };
  return resources
    .map((resource) => {
      const rule: AppRule = { action: actions, subject: resource, inverted: effect === 'deny', origin };
      const compiled = compileConditions(resource, conditions);
      if (compiled) rule.conditions = compiled;
      const fields = policy.fields.filter((f) => RESTRICTABLE_FIELDS[resource].includes(f));
      if (fields.length > 0) rule.fields = fields;
      else if (policy.fields.length > 0) return null;
      return rule;
    })
    .filter((r): r is AppRule => r !== null);
}

/**
 * The ability of a subject in a tenant: built-in role rules, then allowing policies, then denying ones (in CASL
 * later rules win, so an applicable deny always beats an allow). Tenant policies never apply to owners.
 */
export function buildAbility(subject: AccessSubject, policies: readonly StoredPolicy[]): AppAbility {
  const rules: AppRule[] = roleRules(subject.role);
  const applicable: AppRule[] = [];
  for (const policy of policies) {
    // An API key's own policy binds even an owner's key: its creator chose that restriction.
    if (policy.id === subject.apiKeyPolicyId) applicable.push(...policyRules(policy, 'apiKeyPolicy'));
    else if (subject.role !== 'owner' && policyApplies(policy, subject)) applicable.push(...policyRules(policy));
  }
  rules.push(...applicable.filter((r) => !r.inverted), ...applicable.filter((r) => r.inverted));
  return createPrismaAbility<AppAbility>(rules as never);
}

/** The rule origin that decides `action` on a subject, or null when nothing allows it (default deny). */
export function decidingRule(
  ability: AppAbility,
  action: AbilityAction,
  target: ResourceType | object,
  field?: string,
): RuleOrigin | null {
  const rule = ability.relevantRuleFor(action, target as never, field);
  return rule ? (rule.origin as AppRule).origin : null;
}
