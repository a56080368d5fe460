import { describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { GraphQLSession, REQUESTS_QUERY } from '../kit/graphql-client';

const stack = inject('stack');
const range = () => ({ from: new Date(Date.now() - 3600_000).toISOString(), to: new Date().toISOString() });

describe('GraphQL API', () => {
  it('refuses anonymous telemetry reads with UNAUTHENTICATED', async () => {
    const r = await new GraphQLSession(stack.apiUrl).request(REQUESTS_QUERY, { timeRange: range() });
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(r)).not.toContain('stacktrace');
  });

  it('answers wrong passwords and unknown users the same way', async () => {
    const t = await createTenantWithAgent('login');
    const s = new GraphQLSession(stack.apiUrl);
    const q = 'mutation($i: LoginInput!) { login(input: $i) { email } }';
    const wrong = await s.request(q, { i: { email: t.email, password: 'nope' } });
    const unknown = await s.request(q, { i: { email: 'nobody@example.test', password: 'nope' } });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
  });

  it('locks sign-in after repeated failures (Redis counter)', async () => {
    const t = await createTenantWithAgent('lockout');
    const s = new GraphQLSession(stack.apiUrl);
    const q = 'mutation($i: LoginInput!) { login(input: $i) { email } }';
    for (let i = 0; i < 10; i++) await s.request(q, { i: { email: t.email, password: `bad-${i}` } });
    const locked = await s.request(q, { i: { email: t.email, password: t.password } });
    expect(locked.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('validates inputs with BAD_USER_INPUT and treats filter text as data, never SQL', async () => {
    const s = new GraphQLSession(stack.apiUrl);
    await s.login(stack.demo.email, stack.demo.password);
    const tooMany = await s.request(REQUESTS_QUERY, { timeRange: range(), page: { first: 5000 } });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await s.request(REQUESTS_QUERY, { timeRange: range(), page: { first: 5, after: 'garbage' } });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badMethod = await s.request(REQUESTS_QUERY, { timeRange: range(), filter: { method: "GET' OR 1=1" } });
    expect(badMethod.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const inverted = await s.request(REQUESTS_QUERY, { timeRange: { from: range().to, to: range().from } });
    expect(inverted.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const injection = await s.request<{ requests: { edges: unknown[] } }>(REQUESTS_QUERY, {
      timeRange: range(),
      filter: { pathContains: "') OR 1=1 OR tenant_id != 0 OR ('" },
    });
    expect(injection.errors).toBeUndefined();
    expect(injection.data?.requests.edges).toHaveLength(0);
  });

  it('signs out: the session cookie stops working', async () => {
    const s = new GraphQLSession(stack.apiUrl);
    await s.login(stack.demo.email, stack.demo.password);
    expect((await s.request<{ me: { email: string } }>('{ me { email } }')).data?.me?.email).toBe(stack.demo.email);
    await s.request('mutation { logout }');
    expect((await s.request<{ me: null }>('{ me { email } }')).data?.me).toBeNull();
  });
});
