import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';

/** A matching DENY always wins over ALLOW. */
export type PolicyEffect = 'ALLOW' | 'DENY';

/** `in` / `notIn` one of `values`; `key` names the label for the `label` attribute. */
export interface PolicyCondition {
  /** namespace, service, environment, agentGroup or label. */
  attribute: string;
  key: string | null;
  /** in or notIn. */
  operator: string;
  values: string[];
}

export interface Policy {
  id: string;
  name: string;
  description: string;
  /** Typed as string too: the API does not promise the set will never grow. */
  effect: PolicyEffect | (string & {});
  /** read, create, update, delete. */
  actions: string[];
  /** Resource types, e.g. Request, Agent. */
  resources: string[];
  /** Empty: every role (owners are never subject to policies). */
  roles: string[];
  /** Empty: anyone matching the roles. */
  teams: Array<{ id: string; name: string }>;
  /** All must hold. */
  conditions: PolicyCondition[];
  /** Field-level rule: the policy covers only these fields. */
  fields: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyConditionInput {
  attribute: string;
  key?: string;
  operator: 'in' | 'notIn';
  values: string[];
}

export interface PolicyInput {
  name: string;
  description: string;
  effect: PolicyEffect;
  actions: string[];
  resources: string[];
  roles: string[];
  teamIds: string[];
  conditions: PolicyConditionInput[];
  fields: string[];
  enabled: boolean;
}

export interface ResourceTypeInfo {
  name: string;
  /** Attributes conditions can use on this type. */
  attributes: string[];
  /** Fields a field-level rule can cover. */
  fields: string[];
}

/** The vocabulary of policies. */
export interface AuthzCatalog {
  actions: string[];
  roles: string[];
  resources: ResourceTypeInfo[];
}

export interface ResourceAttributesInput {
  namespace?: string;
  service?: string;
  environment?: string;
  agentGroup?: string;
  /** key=value. */
  labels?: string[];
}

export interface SimulateAccessInput {
  /** A member; yourself when neither this nor apiKeyId. */
  userId?: string;
  apiKeyId?: string;
  action: string;
  resource: string;
  attributes?: ResourceAttributesInput;
  field?: string;
}

export interface DecidingRule {
  /** role, policy or apiKeyPolicy. */
  source: string;
  /** The role's or the policy's name. */
  name: string;
  /** allow or deny. */
  effect: string;
  policyId: string | null;
}

export interface AccessDecision {
  allowed: boolean;
  /** Which rule decided, in words, e.g. `denied by policy "payments only"`. */
  reason: string;
  /** Null when nothing allows it (default deny). */
  decidedBy: DecidingRule | null;
  /** Who was simulated: an email, or `API key "ci"`. */
  subject: string;
  role: string;
  teams: string[];
  /** Names of the policies that apply to the subject. */
  applicablePolicies: string[];
}

const POLICY_FIELDS =
  'id name description effect actions resources roles teams { id name } conditions { attribute key operator values } fields enabled createdAt updatedAt';

export const AUTHZ_CATALOG_QUERY = defineOperation<{ authzCatalog: AuthzCatalog }>(
  'AuthzCatalog',
  'query AuthzCatalog { authzCatalog { actions roles resources { name attributes fields } } }',
);

/** Admin. */
export const POLICIES_QUERY = defineOperation<{ policies: Connection<Policy> }, { page: ConnectionArgs }>(
  'Policies',
  `query Policies($page: ConnectionArgs) {
  policies(page: $page) {
    edges { cursor node { ${POLICY_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

/** BAD_USER_INPUT names the input in `extensions.field` (e.g. `conditions[0].values`); CONFLICT for a taken name. */
export const CREATE_POLICY_MUTATION = defineOperation<{ createPolicy: Policy }, { input: PolicyInput }>(
  'CreatePolicy',
  `mutation CreatePolicy($input: PolicyInput!) { createPolicy(input: $input) { ${POLICY_FIELDS} } }`,
);

export const UPDATE_POLICY_MUTATION = defineOperation<{ updatePolicy: Policy }, { id: string; input: PolicyInput }>(
  'UpdatePolicy',
  `mutation UpdatePolicy($id: ID!, $input: PolicyInput!) { updatePolicy(id: $id, input: $input) { ${POLICY_FIELDS} } }`,
);

/** CONFLICT while an active API key carries the policy. */
export const DELETE_POLICY_MUTATION = defineOperation<{ deletePolicy: boolean }, { id: string }>(
  'DeletePolicy',
  'mutation DeletePolicy($id: ID!) { deletePolicy(id: $id) }',
);

export const SIMULATE_ACCESS_QUERY = defineOperation<
  { simulateAccess: AccessDecision },
  { input: SimulateAccessInput }
>(
  'SimulateAccess',
  `query SimulateAccess($input: SimulateAccessInput!) {
  simulateAccess(input: $input) {
    allowed reason subject role teams applicablePolicies
    decidedBy { source name effect policyId }
  }
}`,
);

export const POLICIES_PAGE_SIZE = 50;

export function policiesPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/settings/policies`;
}
