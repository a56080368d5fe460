// GraphQL API throughput at 100 concurrent connections with autocannon, side by side in one run:
//  1. `apiKeys` (50 rows) through a session (owner) and through an API key;
//  2. ABAC cost: `agents` (50 rows, filtered in Postgres by @casl/prisma accessibleBy) for an owner (no
//     conditions) and for an admin in a team that ten tenant policies apply to or are evaluated against, whose
//     conditions match every agent, so both return the same rows. Runs alternate (owner, ABAC, owner, ABAC).
//   node bench/graphql.bench.mjs [seconds=10] [connections=100]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const autocannon = createRequire(path.join(root, 'tests', 'package.json'))('autocannon');
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 100);
if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must be set (npm run bench sets it)');

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bs-gql-'));
const api = 'http://127.0.0.1:25000';
const env = {
  ...process.env,
  BATHYSCOPE_STATE_DIR: stateDir,
  API_PORT: '25000',
  INGEST_PORT: '25001',
  API_RATE_LIMIT_USER_PER_MIN: '100000000',
  API_RATE_LIMIT_KEY_PER_MIN: '100000000',
};
const server = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], { env, stdio: 'ignore' });
// Never leave the server behind, whatever fails below.
process.on('exit', () => server.kill('SIGKILL'));
for (let i = 0; ; i++) {
  try {
    await (await fetch(`${api}/healthz`)).text();
    break;
  } catch {
    if (i > 240) throw new Error('api did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function gql(query, variables, headers = {}) {
  const res = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    body: await res.json(),
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; '),
  };
}

const slug = `bench-${Date.now()}`;
const signUp = await gql('mutation($i: SignUpInput!) { signUp(input: $i) { email } }', {
  i: { email: `${slug}@example.test`, password: 'bench password long', tenantName: slug, tenantSlug: slug },
});
const cookie = signUp.cookie;
// Rows for the list, and an admin key to run the same query through API-key authentication.
let secret = '';
for (let i = 0; i < 50; i++) {
  const r = await gql('mutation { createApiKey(input: { name: "bench", role: "admin" }) { secret } }', {}, { cookie });
  secret = r.body.data.createApiKey.secret;
}

// ABAC fixture: 50 labelled agents, an admin in team "bench", ten policies.
const { createPrismaClient } = createRequire(path.join(root, 'apps', 'api', 'package.json'))('@bathyscope/db');
const { provisionAgent, provisionTenant } = await import(path.join(root, 'apps/api/dist/cli/provision.js'));
const prisma = createPrismaClient(process.env.DATABASE_URL, 2);
const tenant = await prisma.tenant.findUniqueOrThrow({ where: { slug } });
for (let i = 0; i < 50; i++) {
  const agent = await provisionAgent(prisma, tenant.id, `bench-agent-${i}`);
  await prisma.agent.update({ where: { id: agent.agentId }, data: { labels: ['env=prod', `rack=r${i % 5}`] } });
}
const adminPassword = 'bench admin password';
const admin = await provisionTenant(prisma, {
  slug,
  name: slug,
  email: `admin-${slug}@example.test`,
  password: adminPassword,
  role: 'admin',
});
await prisma.$disconnect();
const team = await gql('mutation { createTeam(input: { name: "bench" }) { id } }', {}, { cookie });
const teamId = team.body.data.createTeam.id;
await gql(`mutation { addTeamMember(teamId: "${teamId}", userId: "${admin.userId}") { id } }`, {}, { cookie });
const policies = [
  {
    effect: 'DENY',
    resources: ['Agent'],
    teamIds: [teamId],
    conditions: [{ attribute: 'label', key: 'env', operator: 'notIn', values: ['prod'] }],
  },
  {
    effect: 'DENY',
    resources: ['Agent'],
    conditions: [{ attribute: 'label', key: 'pci', operator: 'in', values: ['true'] }],
  },
  {
    effect: 'DENY',
    resources: ['Agent'],
    roles: ['admin'],
    conditions: [{ attribute: 'agentGroup', operator: 'in', values: ['quarantine'] }],
  },
  {
    effect: 'ALLOW',
    resources: ['Agent'],
    actions: ['update'],
    roles: ['viewer'],
    conditions: [{ attribute: 'agentGroup', operator: 'in', values: ['staging'] }],
  },
  {
    effect: 'DENY',
    resources: ['Request'],
    teamIds: [teamId],
    conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments', 'orders'] }],
  },
  { effect: 'DENY', resources: ['Request'], fields: ['path'], roles: ['viewer'] },
  { effect: 'DENY', resources: ['ApiKey'], actions: ['delete'], roles: ['editor'] },
  {
    effect: 'DENY',
    resources: ['Agent'],
    roles: ['editor'],
    conditions: [{ attribute: 'label', key: 'rack', operator: 'in', values: ['r9'] }],
  },
  { effect: 'DENY', resources: ['AgentGroup'], actions: ['delete'], teamIds: [teamId] },
  { effect: 'DENY', resources: ['Team'], actions: ['delete'], roles: ['admin'] },
];
for (const [i, p] of policies.entries()) {
  const r = await gql(
    'mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }',
    { i: { name: `bench-${i}`, actions: ['read', 'update'], ...p } },
    { cookie },
  );
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
}
const adminCookie = (
  await gql('mutation($input: LoginInput!) { login(input: $input) { email } }', {
    input: { email: admin.email, password: adminPassword, tenantSlug: slug },
  })
).cookie;

const apiKeysBody = JSON.stringify({
  query: '{ apiKeys(page: { first: 50 }) { edges { node { id name prefix role lastUsedAt } } } }',
});
const agentsBody = JSON.stringify({ query: '{ agents { id name labels state } }' });
for (const [who, headers] of [
  ['owner', { cookie }],
  ['abac', { cookie: adminCookie }],
]) {
  const r = await gql('{ agents { id } }', {}, headers);
  if (r.body.data?.agents.length !== 50) throw new Error(`${who} sees ${r.body.data?.agents.length} agents, not 50`);
}

async function run(headers, body = apiKeysBody) {
  const r = await autocannon({
    url: `${api}/graphql`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    rps: Math.round(r.requests.average),
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}
const sessionOwner = await run({ cookie });
const apiKeyAdmin = await run({ authorization: `Bearer ${secret}` });
console.log(
  JSON.stringify({ bench: 'graphql', seconds, connections, query: 'apiKeys(first: 50)', sessionOwner, apiKeyAdmin }),
);
const owner = [];
const abac = [];
for (let i = 0; i < 2; i++) {
  owner.push(await run({ cookie }, agentsBody));
  abac.push(await run({ cookie: adminCookie }, agentsBody));
}
const mean = (runs) => Math.round(runs.reduce((s, r) => s + r.rps, 0) / runs.length);
console.log(
  JSON.stringify({
    bench: 'graphql-abac',
    seconds,
    connections,
    query: 'agents (50 rows)',
    policies: policies.length,
    owner,
    abac,
    abacThroughputRatio: Number((mean(abac) / mean(owner)).toFixed(3)),
  }),
);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(stateDir, { recursive: true, force: true });
