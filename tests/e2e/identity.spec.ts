import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { GraphQLSession, REQUESTS_QUERY } from '../kit/graphql-client';

const stack = inject('stack');
const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { email role tenant { id slug } } }`;
const CREATE_KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id prefix role } } }`;

async function bearer(token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${stack.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as {
    data: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

async function signUp(prefix: string) {
  const slug = `${prefix}-${randomBytes(4).toString('hex')}`;
  const session = new GraphQLSession(stack.apiUrl);
  const email = `${slug}@example.test`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const r = await session.request(SIGN_UP, { i: { email, password, tenantName: `Tenant ${slug}`, tenantSlug: slug } });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return { session, slug, email, password };
}

async function createKey(session: GraphQLSession, role = 'viewer', expiresAt?: string) {
  const r = await session.request<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string } } }>(
    CREATE_KEY,
    { i: { name: 'automation', role, expiresAt } },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createApiKey;
}

describe('sign-up, API keys and the audit log', () => {
  it('signs up a tenant and its owner, refusing taken slugs and weak passwords', async () => {
    const a = await signUp('signup');
    const me = await a.session.request<{ me: { role: string; tenant: { slug: string } } }>(
      '{ me { role tenant { slug } } }',
    );
    expect(me.data?.me).toEqual({ role: 'owner', tenant: { slug: a.slug } });
    const again = await new GraphQLSession(stack.apiUrl).request(SIGN_UP, {
      i: { email: `other-${a.email}`, password: 'long enough password', tenantName: 'x', tenantSlug: a.slug },
    });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const weak = await new GraphQLSession(stack.apiUrl).request(SIGN_UP, {
      i: { email: 'weak@example.test', password: 'short', tenantName: 'x', tenantSlug: `weak-${a.slug}` },
    });
    expect(weak.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('runs automation with an API key, which acts with its own role and stops at once when revoked', async () => {
    const a = await signUp('keys');
    const key = await createKey(a.session, 'viewer');
    expect(key.secret).toMatch(/^bsk_[a-z0-9]{12}_/);

    const range = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date().toISOString() };
    const listed = await bearer(key.secret, REQUESTS_QUERY, { timeRange: range });
    expect(listed.errors).toBeUndefined();
    expect(await bearer(key.secret, '{ me { role } }')).toEqual({ data: { me: { role: 'viewer' } } });
    const escalate = await bearer(key.secret, CREATE_KEY, { i: { name: 'more', role: 'viewer' } });
    expect(escalate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const revoked = await a.session.request(`mutation { revokeApiKey(id: "${key.apiKey.id}") { revokedAt } }`);
    expect(revoked.errors).toBeUndefined();
    const refused = await bearer(key.secret, '{ me { role } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const log = await a.session.request<{ auditLog: { edges: { node: { action: string; outcome: string } }[] } }>(
      '{ auditLog(page: { first: 20 }) { edges { node { action outcome } } } }',
    );
    const actions = log.data?.auditLog.edges.map((e) => `${e.node.action}:${e.node.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'tenant.signUp:success',
        'apiKey.create:success',
        'apiKey.revoke:success',
        'apiKey.use:denied',
      ]),
    );
    const keys = await a.session.request<{ apiKeys: { edges: { node: { lastUsedAt: string | null } }[] } }>(
      '{ apiKeys { edges { node { lastUsedAt } } } }',
    );
    expect(keys.data?.apiKeys.edges[0]?.node.lastUsedAt).not.toBeNull();
  });

  it('refuses expired, malformed and unknown keys without falling back to the session cookie', async () => {
    const a = await signUp('expiry');
    const key = await createKey(a.session, 'viewer', new Date(Date.now() + 1500).toISOString());
    expect((await bearer(key.secret, '{ me { role } }')).errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1800));
    expect((await bearer(key.secret, '{ me { role } }')).errors?.[0]?.message).toMatch(/expired/);
    expect((await bearer('bsk_nope', '{ me { role } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = `${key.secret.slice(0, 22)}${'A'.repeat(43)}`;
    expect((await bearer(forged, '{ me { role } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const past = await a.session.request(CREATE_KEY, {
      i: { name: 'old', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(past.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooStrong = await a.session.request(CREATE_KEY, { i: { name: 'x', role: 'superuser' } });
    expect(tooStrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("keeps each tenant's keys and audit log to itself", async () => {
    const a = await signUp('iso-a');
    const b = await signUp('iso-b');
    const keyA = await createKey(a.session);
    const stolen = await b.session.request(`mutation { revokeApiKey(id: "${keyA.apiKey.id}") { id } }`);
    expect(stolen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const listB = await b.session.request<{ apiKeys: { edges: { node: { prefix: string } }[] } }>(
      '{ apiKeys { edges { node { prefix } } } }',
    );
    expect(listB.data?.apiKeys.edges).toHaveLength(0);
    const auditB = await b.session.request<{ auditLog: { edges: { node: { targetId: string } }[] } }>(
      '{ auditLog { edges { node { targetId } } } }',
    );
    expect(auditB.data?.auditLog.edges.map((e) => e.node.targetId)).not.toContain(keyA.apiKey.id);
    // Tenant A's key still works: B's attempt changed nothing.
    expect((await bearer(keyA.secret, '{ me { tenant { slug } } }')).data).toEqual({
      me: { tenant: { slug: a.slug } },
    });
  });

  it("records the user's address, not the console proxy's, in the audit log", async () => {
    const a = await signUp('audit-ip');
    const viaConsole = await fetch(`${stack.webUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify({
        query: 'mutation($i: LoginInput!) { login(input: $i) { email } }',
        variables: { i: { email: a.email, password: a.password } },
      }),
    });
    expect(((await viaConsole.json()) as { errors?: unknown }).errors).toBeUndefined();
    const log = await a.session.request<{ auditLog: { edges: { node: { ip: string } }[] } }>(
      '{ auditLog(filter: { action: "session.login" }) { edges { node { ip } } } }',
    );
    expect(log.data?.auditLog.edges[0]?.node.ip).toBe('203.0.113.7');
  });

  it('rate-limits each API key with the usual headers', async () => {
    const a = await signUp('ratelimit');
    const key = await createKey(a.session);
    const call = () =>
      fetch(`${stack.apiUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
        body: JSON.stringify({ query: '{ agents { id } }' }),
      });
    // Budgets are per clock minute: start well inside one so the count cannot reset mid-test.
    const secondsLeft = 60 - (Math.floor(Date.now() / 1000) % 60);
    if (secondsLeft < 10) await new Promise((r) => setTimeout(r, secondsLeft * 1000 + 200));
    const first = await call();
    expect(first.headers.get('x-ratelimit-limit')).toBe('40');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('39');
    let last = first;
    for (let i = 0; i < 40; i++) last = await call();
    const body = (await last.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another caller's budget is untouched.
    const other = await a.session.request<{ me: { role: string } }>('{ me { role } }');
    expect(other.data?.me.role).toBe('owner');
  });

  it('refuses cross-site simple requests and over-complex queries (depth: graphql-limits.spec.ts)', async () => {
    const csrf = await fetch(`${stack.apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(csrf.status).toBe(400);
    const s = new GraphQLSession(stack.apiUrl);
    const wide = `{ ${Array.from({ length: 1100 }, (_, i) => `a${i}: me { email }`).join(' ')} }`;
    const complex = await s.request(wide);
    expect(complex.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});
