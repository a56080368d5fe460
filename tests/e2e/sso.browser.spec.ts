import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import Provider from 'oidc-provider';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../kit/browser';
import '../kit/stack-info';
import { GraphQLSession } from '../kit/graphql-client';

const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');

/** A real OpenID Provider on loopback (oidc-provider); its development login form accepts any user name. */
async function startProvider(clientSecret: string) {
  const server = (await import('node:http')).createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'bathyscope',
        client_secret: clientSecret,
        redirect_uris: [`${stack.apiUrl}/auth/sso/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: sub, email_verified: true }),
    }),
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
  server.on('request', provider.callback());
  return { issuer, close: () => new Promise((r) => server.close(r)) };
}

describe('OpenID Connect single sign-on per tenant', () => {
  let browser: Browser;
  let idp: Awaited<ReturnType<typeof startProvider>>;
  const secret = randomBytes(16).toString('hex');

  beforeAll(async () => {
    idp = await startProvider(secret);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await idp?.close();
  });

  it('signs a new user in through the provider, provisioning them with the default role', async () => {
    const slug = `sso-${randomBytes(4).toString('hex')}`;
    const owner = new GraphQLSession(stack.apiUrl);
    const signUp = await owner.request('mutation($i: SignUpInput!) { signUp(input: $i) { email } }', {
      i: {
        email: `${slug}@example.test`,
        password: `pw-${randomBytes(8).toString('hex')}`,
        tenantName: slug,
        tenantSlug: slug,
      },
    });
    expect(signUp.errors).toBeUndefined();
    const configure =
      'mutation($i: ConfigureSsoInput!) { configureSso(input: $i) { issuer loginUrl redirectUri defaultRole } }';
    const bad = await owner.request(configure, {
      i: { issuer: 'http://127.0.0.1:9/nothing', clientId: 'bathyscope', clientSecret: secret, defaultRole: 'editor' },
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const ok = await owner.request<{ configureSso: { loginUrl: string; redirectUri: string } }>(configure, {
      i: { issuer: idp.issuer, clientId: 'bathyscope', clientSecret: secret, defaultRole: 'editor' },
    });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.configureSso.redirectUri).toBe(`${stack.apiUrl}/auth/sso/callback`);

    const ssoEmail = `sso-user-${randomBytes(3).toString('hex')}@example.test`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(ok.data?.configureSso.loginUrl as string);
    await page.locator('input[name="login"]').fill(ssoEmail);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click(); // consent
    await page.waitForURL(new RegExp(`/t/${slug}/requests`), { timeout: 20_000 });
    await expect.poll(async () => (await page.textContent('body')) ?? '').toContain(ssoEmail);
    await page.screenshot({ path: path.join(artifacts, 'sso-signed-in.png'), fullPage: true });

    const members = await owner.request<{ members: { edges: { node: { email: string; role: string } }[] } }>(
      '{ members { edges { node { email role } } } }',
    );
    expect(members.data?.members.edges.map((e) => e.node)).toContainEqual({ email: ssoEmail, role: 'editor' });
    const log = await owner.request<{ auditLog: { edges: { node: { action: string } }[] } }>(
      '{ auditLog { edges { node { action } } } }',
    );
    expect(log.data?.auditLog.edges.map((e) => e.node.action)).toEqual(
      expect.arrayContaining(['sso.configure', 'session.ssoLogin']),
    );
    // The SSO user has no password that works.
    await expect(new GraphQLSession(stack.apiUrl).login(ssoEmail, 'sso-only')).rejects.toThrow(/login failed/);
    await context.close();
  });

  it('refuses unknown tenants, tenants without SSO and replayed or forged callbacks', async () => {
    expect((await fetch(`${stack.apiUrl}/auth/sso/no-such-tenant-x/start`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/auth/sso/demo/start`, { redirect: 'manual' })).status).toBe(404);
    const forged = await fetch(`${stack.apiUrl}/auth/sso/callback?code=abc&state=${randomBytes(16).toString('hex')}`, {
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toMatch(/expired or was already used/);
  });
});
