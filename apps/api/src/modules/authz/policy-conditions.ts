import { type Attribute, isAttribute, RESOURCE_ATTRIBUTES, type ResourceType } from './resources.js';

/** One condition on a resource attribute; a policy's conditions must all hold. */
export interface PolicyCondition {
  attribute: Attribute;
  /** Label key, only for the `label` attribute. */
  key?: string;
  operator: 'in' | 'notIn';
  values: string[];
}

export const MAX_CONDITIONS = 10;
export const MAX_CONDITION_VALUES = 50;
const VALUE_PATTERN = /^[^\p{Cc}]{1,253}$/u;
const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

export class PolicyConditionError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * Validates conditions from the API or from storage (stored JSON is re-checked, never trusted) against the
 * resource types the policy covers. Throws PolicyConditionError naming the offending entry.
 */
export function parseConditions(raw: unknown, resources: readonly ResourceType[]): PolicyCondition[] {
  if (!Array.isArray(raw)) throw new PolicyConditionError('conditions must be a list', 'conditions');
  if (raw.length > MAX_CONDITIONS) throw new PolicyConditionError(`at most ${MAX_CONDITIONS} conditions`, 'conditions');
  return raw.map((entry, i) => {
    const at = `conditions[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new PolicyConditionError('must be an object', at);
    const { attribute, key, operator, values } = entry as Record<string, unknown>;
    if (typeof attribute !== 'string' || !isAttribute(attribute))
      throw new PolicyConditionError(`unknown attribute ${JSON.stringify(attribute)}`, `${at}.attribute`);
    for (const resource of resources) {
      if (!RESOURCE_ATTRIBUTES[resource].includes(attribute)) {
        throw new PolicyConditionError(
          `${resource} has no attribute "${attribute}" (it has: ${RESOURCE_ATTRIBUTES[resource].join(', ') || 'none'})`,
          `${at}.attribute`,
        );
      }
    }
    if (operator !== 'in' && operator !== 'notIn')
      throw new PolicyConditionError('operator must be "in" or "notIn"', `${at}.operator`);
    if (attribute === 'label') {
      if (typeof key !== 'string' || !LABEL_KEY_PATTERN.test(key))
        throw new PolicyConditionError(
          'label conditions need a key like "team" or "app.kubernetes.io/name"',
          `${at}.key`,
        );
    } else if (key !== undefined && key !== null && key !== '') {
      throw new PolicyConditionError('only label conditions take a key', `${at}.key`);
    }
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_CONDITION_VALUES)
      throw new PolicyConditionError(`needs 1 to ${MAX_CONDITION_VALUES} values`, `${at}.values`);
    for (const value of values) {
      if (typeof value !== 'string' || !VALUE_PATTERN.test(value))
        throw new PolicyConditionError('values are 1-253 characters without control characters', `${at}.values`);
    }
    const condition: PolicyCondition = { attribute, operator, values: [...new Set(values as string[])] };
    if (attribute === 'label') condition.key = key as string;
    return condition;
  });
}

/**
 * CASL conditions (Prisma `where` syntax, the language of @casl/prisma) for one resource type. The same object
 * is evaluated in memory by CASL, turned into a Postgres filter by `accessibleBy`, and into ClickHouse SQL by
 * `telemetryScope`, so one policy means the same thing on every path.
 */
export function compileConditions(
  resource: ResourceType,
  conditions: readonly PolicyCondition[],
): Record<string, unknown> | undefined {
  if (conditions.length === 0) return undefined;
  const compiled = conditions.map((c) => compileOne(resource, c));
  return compiled.length === 1 ? compiled[0] : { AND: compiled };
}

function compileOne(resource: ResourceType, c: PolicyCondition): Record<string, unknown> {
  let positive: Record<string, unknown>;
  if (c.attribute === 'label') {
    positive = { labels: { hasSome: c.values.map((v) => `${c.key}=${v}`) } };
  } else if (c.attribute === 'agentGroup' && resource === 'Agent') {
    positive = { group: { is: { name: { in: c.values } } } };
  } else if (c.attribute === 'agentGroup' && resource === 'AgentGroup') {
    positive = { name: { in: c.values } };
  } else {
    // Flat attributes of telemetry rows (Request): namespace, service, environment, agentGroup.
    return { [c.attribute]: c.operator === 'in' ? { in: c.values } : { notIn: c.values } };
  }
  return c.operator === 'in' ? positive : { NOT: positive };
}
