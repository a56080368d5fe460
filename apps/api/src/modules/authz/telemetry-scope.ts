import { rulesToCondition } from '@casl/ability/extra';
import type { TenantQuery } from '../telemetry/tenant-query.js';
import type { AppAbility } from './ability.js';
import type { AbilityAction } from './resources.js';

/** Telemetry rows carry agent_id, not the group: policies on agent groups are resolved to agent ids per query. */
export type AgentGroupResolver = (groupNames: readonly string[]) => Promise<number[]>;

/**
 * The SQL expression a policy attribute reads in one view of a row. A row that names two parties (client and
 * server of an exchange) has two views, and it is visible only when the policies allow both — as if each side
 * were a subject of its own. An attribute a view lacks fails the query closed.
 */
export type TelemetryColumns = Readonly<Record<string, string>>;

/** The request log's own string columns, as agents report them for the observed process. */
export const REQUEST_LOG_COLUMNS: TelemetryColumns = {
  namespace: 'namespace',
  service: 'service',
  environment: 'environment',
};

/**
 * Views of tables that carry resource tag ids (rollups, flow log, profiles): names are read through the
 * `resource_names` dictionary, keyed by the row's own tenant_id, so policies written in names apply. Environment
 * has no resource kind of its own; it is the namespace's `environment` label.
 */
export function taggedColumns(database: string, side: 'client_' | 'server_' | ''): TelemetryColumns {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  const dict = `'${database}.resource_names'`;
  const key = (kind: string) => `(tenant_id, '${kind}', ${side}${kind}_id)`;
  return {
    namespace: `dictGetOrDefault(${dict}, 'name', ${key('namespace')}, '')`,
    service: `dictGetOrDefault(${dict}, 'name', ${key('service')}, '')`,
    environment: `dictGetOrDefault(${dict}, 'labels', ${key('namespace')}, map())['environment']`,
  };
}

export type ScopeResult = 'all' | 'some' | 'none';

/**
 * Restricts a telemetry query to what `ability` allows: the policy conditions on the resource type become SQL
 * with bound parameters on the TenantQuery. This is the one function every telemetry read uses for ABAC.
 * Returns 'none' (and adds an always-false condition) when nothing is allowed, so callers can skip the query.
 */
export async function scopeTelemetry(
  query: TenantQuery,
  ability: AppAbility,
  resolveGroups: AgentGroupResolver,
  resource: 'Request' = 'Request',
  action: AbilityAction = 'read',
  views: readonly TelemetryColumns[] = [REQUEST_LOG_COLUMNS],
): Promise<ScopeResult> {
  const rules = ability.rulesFor(action, resource);
  const groupNames = new Set<string>();
  for (const rule of rules) if (rule.conditions) collectGroups(rule.conditions, groupNames);
  const groupAgents = new Map<string, number[]>();
  for (const name of groupNames) groupAgents.set(name, await resolveGroups([name]));

  const parts: string[] = [];
  for (const columns of views) {
    const toSql = (conditions: unknown): string => conditionSql(conditions, query, groupAgents, columns);
    const sql = rulesToCondition<AppAbility, string, string>(
      rules,
      (rule) => (rule.inverted ? `NOT (${toSql(rule.conditions)})` : toSql(rule.conditions)),
      {
        and: (p) => p.map((x) => `(${x})`).join(' AND '),
        or: (p) => p.map((x) => `(${x})`).join(' OR '),
        empty: () => '',
      },
    );
    if (sql === null) {
      query.whereBound('0');
      return 'none';
    }
    if (sql !== '') parts.push(sql);
  }
  if (parts.length === 0) return 'all';
  query.whereBound(parts.map((p) => `(${p})`).join(' AND '));
  return 'some';
}

function collectGroups(conditions: unknown, into: Set<string>): void {
  if (Array.isArray(conditions)) {
    for (const c of conditions) collectGroups(c, into);
    return;
  }
  if (typeof conditions !== 'object' || conditions === null) return;
  for (const [key, value] of Object.entries(conditions)) {
    if (key === 'agentGroup') {
      const v = value as { in?: string[]; notIn?: string[] };
      for (const name of v.in ?? v.notIn ?? []) into.add(name);
    } else if (key === 'AND' || key === 'OR' || key === 'NOT') collectGroups(value, into);
  }
}

/** Translates the compiled policy conditions (see compileConditions) to SQL; anything unknown fails closed. */
function conditionSql(
  conditions: unknown,
  query: TenantQuery,
  groupAgents: Map<string, number[]>,
  columns: TelemetryColumns,
): string {
  if (Array.isArray(conditions))
    return conditions.map((c) => `(${conditionSql(c, query, groupAgents, columns)})`).join(' AND ');
  if (typeof conditions !== 'object' || conditions === null) throw new Error('unsupported telemetry condition');
  const parts: string[] = [];
  for (const [key, value] of Object.entries(conditions)) {
    if (key === 'AND') parts.push(conditionSql(value, query, groupAgents, columns));
    else if (key === 'NOT') parts.push(`NOT (${conditionSql(value, query, groupAgents, columns)})`);
    else if (key === 'agentGroup') {
      const { values, negate } = listOperator(value);
      const ids = [...new Set(values.flatMap((name) => groupAgents.get(name) ?? []))];
      parts.push(`agent_id ${negate ? 'NOT IN' : 'IN'} ${query.bind('Array(UInt32)', ids)}`);
    } else if (Object.hasOwn(columns, key)) {
      const { values, negate } = listOperator(value);
      parts.push(`${columns[key]} ${negate ? 'NOT IN' : 'IN'} ${query.bind('Array(String)', values)}`);
    } else {
      throw new Error(`telemetry has no attribute ${key}`);
    }
  }
  if (parts.length === 0) throw new Error('empty telemetry condition');
  return parts.map((p) => `(${p})`).join(' AND ');
}

function listOperator(value: unknown): { values: string[]; negate: boolean } {
  const v = value as { in?: unknown; notIn?: unknown };
  if (Array.isArray(v.in)) return { values: v.in.map(String), negate: false };
  if (Array.isArray(v.notIn)) return { values: v.notIn.map(String), negate: true };
  throw new Error('telemetry conditions support in / notIn only');
}
