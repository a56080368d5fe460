// GraphQL API throughput: an authenticated list query (`apiKeys`, 50 rows) at 100 concurrent connections with
// autocannon, through a session (owner) and through an API key, side by side in one run. ABAC policies are not
// built yet; their cost will be measured here against the owner baseline.
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

const body = JSON.stringify({
  query: '{ apiKeys(page: { first: 50 }) { edges { node { id name prefix role lastUsedAt } } } }',
});
async function run(headers) {
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
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(stateDir, { recursive: true, force: true });
