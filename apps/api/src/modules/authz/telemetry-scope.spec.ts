import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { subject } from '@casl/ability';
import { type ClickHouseHandle, openClickHouse } from '@bathyscope/clickhouse';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantQuery } from '../telemetry/tenant-query.js';
import { buildAbility, type StoredPolicy } from './ability.js';
import { scopeTelemetry, type TelemetryColumns } from './telemetry-scope.js';

// The SQL scope must select exactly the rows CASL allows in memory: checked on embedded ClickHouse for
// random policy sets over every combination of attribute values.
const NAMESPACES = ['payments', 'orders', ''];
const SERVICES = ['api', 'db'];
const ENVIRONMENTS = ['prod', 'staging'];
const AGENT_GROUPS: Record<number, string> = { 1: 'g1', 2: 'g2', 3: 'g2', 4: '' };

interface Row {
  id: number;
  tenant_id: number;
  agent_id: number;
  namespace: string;
  service: string;
  environment: string;
}

const rows: Row[] = [];
for (const tenant of [1, 2])
  for (const namespace of NAMESPACES)
    for (const service of SERVICES)
      for (const environment of ENVIRONMENTS)
        for (const agent of [1, 2, 3, 4])
          rows.push({ id: rows.length, tenant_id: tenant, agent_id: agent, namespace, service, environment });

/** Exchanges between two parties: every client row of tenant 1 against every server row of the same agent. */
interface Pair {
  id: number;
  tenant_id: number;
  agent_id: number;
  c_namespace: string;
  c_service: string;
  c_environment: string;
  s_namespace: string;
  s_service: string;
  s_environment: string;
}
const pairs: Pair[] = [];
for (const c of rows)
  for (const s of rows)
    if (c.tenant_id === s.tenant_id && c.agent_id === s.agent_id && (c.id + s.id) % 3 === 0)
      pairs.push({
        id: pairs.length,
        tenant_id: c.tenant_id,
        agent_id: c.agent_id,
        c_namespace: c.namespace,
        c_service: c.service,
        c_environment: c.environment,
        s_namespace: s.namespace,
        s_service: s.service,
        s_environment: s.environment,
      });
const CLIENT_VIEW: TelemetryColumns = { namespace: 'c_namespace', service: 'c_service', environment: 'c_environment' };
const SERVER_VIEW: TelemetryColumns = { namespace: 's_namespace', service: 's_service', environment: 's_environment' };

let ch: ClickHouseHandle;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authz-scope-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'authz_spec', stateDir: dir });
  await ch.client.command({
    query: `CREATE TABLE authz_spec.t (id UInt32, tenant_id UInt32, agent_id UInt32, namespace String,
      service String, environment String) ENGINE = MergeTree ORDER BY id`,
  });
  await ch.client.insert({ table: 'authz_spec.t', values: rows, format: 'JSONEachRow' });
  await ch.client.command({
    query: `CREATE TABLE authz_spec.pairs (id UInt32, tenant_id UInt32, agent_id UInt32, c_namespace String,
      c_service String, c_environment String, s_namespace String, s_service String, s_environment String)
      ENGINE = MergeTree ORDER BY id`,
  });
  await ch.client.insert({ table: 'authz_spec.pairs', values: pairs, format: 'JSONEachRow' });
}, 60_000);

afterAll(async () => {
  await ch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const resolveGroups = async (names: readonly string[]) =>
  Object.entries(AGENT_GROUPS)
    .filter(([, g]) => g !== '' && names.includes(g))
    .map(([id]) => Number(id));

async function selectIds(q: TenantQuery, table = 't'): Promise<number[]> {
  const rs = await ch.client.query({
    query: `SELECT id FROM authz_spec.${table} WHERE ${q.whereSql()} ORDER BY id`,
    query_params: q.queryParams(),
    format: 'JSONEachRow',
  });
  return (await rs.json<{ id: number }>()).map((r) => r.id);
}

const condition = fc.oneof(
  fc.record({
    attribute: fc.constant('namespace'),
    operator: fc.constantFrom('in', 'notIn'),
    values: fc.subarray(['payments', 'orders', 'other'], { minLength: 1 }),
  }),
  fc.record({
    attribute: fc.constant('service'),
    operator: fc.constantFrom('in', 'notIn'),
    values: fc.subarray(SERVICES, { minLength: 1 }),
  }),
  fc.record({
    attribute: fc.constant('environment'),
    operator: fc.constantFrom('in', 'notIn'),
    values: fc.subarray(ENVIRONMENTS, { minLength: 1 }),
  }),
  fc.record({
    attribute: fc.constant('agentGroup'),
    operator: fc.constantFrom('in', 'notIn'),
    values: fc.subarray(['g1', 'g2', 'g3'], { minLength: 1 }),
  }),
);

const policyArb = fc.record({
  effect: fc.constantFrom('allow', 'deny'),
  roles: fc.subarray(['viewer', 'editor']),
  teamIds: fc.subarray(['t1', 't2']),
  conditions: fc.array(condition, { maxLength: 3 }),
  fields: fc.constantFrom([], ['path']),
});

describe('scopeTelemetry', () => {
  it('selects in ClickHouse exactly the rows the ability allows in memory', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(policyArb, { maxLength: 4 }),
        fc.constantFrom('viewer', 'editor', 'admin', 'owner'),
        fc.subarray(['t1', 't2']),
        async (specs, role, teamIds) => {
          const policies: StoredPolicy[] = specs.map((s, i) => ({
            ...s,
            id: `p${i}`,
            name: `p${i}`,
            binding: 'members',
            actions: ['read'],
            resources: ['Request'],
            enabled: true,
          }));
          const ability = buildAbility({ role: role as 'viewer', teamIds }, policies);
          const expected = rows
            .filter((r) => r.tenant_id === 1)
            .filter((r) =>
              ability.can(
                'read',
                subject('Request', {
                  namespace: r.namespace,
                  service: r.service,
                  environment: r.environment,
                  agentGroup: AGENT_GROUPS[r.agent_id],
                }),
              ),
            )
            .map((r) => r.id);
          const q = new TenantQuery(1);
          const scope = await scopeTelemetry(q, ability, resolveGroups);
          expect(await selectIds(q)).toEqual(expected);
          if (scope === 'none') expect(expected).toEqual([]);
          if (scope === 'all') expect(expected.length).toBe(rows.length / 2);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it('with two views, selects exactly the exchanges whose client and server the ability both allows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(policyArb, { maxLength: 4 }),
        fc.constantFrom('viewer', 'editor', 'admin'),
        async (specs, role) => {
          const policies: StoredPolicy[] = specs.map((s, i) => ({
            ...s,
            id: `p${i}`,
            name: `p${i}`,
            binding: 'members',
            actions: ['read'],
            resources: ['Request'],
            enabled: true,
          }));
          const ability = buildAbility({ role: role as 'viewer', teamIds: ['t1'] }, policies);
          const allows = (namespace: string, service: string, environment: string, agent: number) =>
            ability.can(
              'read',
              subject('Request', { namespace, service, environment, agentGroup: AGENT_GROUPS[agent] }),
            );
          const expected = pairs
            .filter((p) => p.tenant_id === 1)
            .filter(
              (p) =>
                allows(p.c_namespace, p.c_service, p.c_environment, p.agent_id) &&
                allows(p.s_namespace, p.s_service, p.s_environment, p.agent_id),
            )
            .map((p) => p.id);
          const q = new TenantQuery(1);
          await scopeTelemetry(q, ability, resolveGroups, 'Request', 'read', [CLIENT_VIEW, SERVER_VIEW]);
          expect(await selectIds(q, 'pairs')).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('binds every value: injection strings stay data', async () => {
    const evil = "payments') OR 1=1 --";
    const ability = buildAbility({ role: 'viewer', teamIds: [] }, [
      {
        id: 'p',
        name: 'p',
        effect: 'deny',
        binding: 'members',
        actions: ['read'],
        resources: ['Request'],
        roles: [],
        teamIds: [],
        conditions: [{ attribute: 'namespace', operator: 'notIn', values: [evil] }],
        fields: [],
        enabled: true,
      },
    ]);
    const q = new TenantQuery(1);
    await scopeTelemetry(q, ability, resolveGroups);
    expect(q.whereSql()).not.toContain(evil);
    expect(await selectIds(q)).toEqual([]);
  });
});
