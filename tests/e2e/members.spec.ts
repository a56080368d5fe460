import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { GraphQLSession, REQUESTS_QUERY } from '../kit/graphql-client';
import { linkToken, waitForMail } from '../kit/mailbox';

const stack = inject('stack');
const pw = () => `pw-${randomBytes(12).toString('hex')}`;

async function signUp(prefix: string) {
  const slug = `${prefix}-${randomBytes(4).toString('hex')}`;
  const email = `${slug}@example.test`;
  const password = pw();
  const session = new GraphQLSession(stack.apiUrl);
  const r = await session.request('mutation($i: SignUpInput!) { signUp(input: $i) { email } }', {
    i: { email, password, tenantName: `T ${slug}`, tenantSlug: slug },
  });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return { session, slug, email, password };
}

async function invite(session: GraphQLSession, email: string, role = 'viewer') {
  return session.request<{ inviteMember: { id: string } }>(
    'mutation($i: InviteMemberInput!) { inviteMember(input: $i) { id email role } }',
    { i: { email, role } },
  );
}

const ACCEPT = 'mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { email role tenant { slug } } }';

describe('members, invitations by email, password reset and several tenants per user', () => {
  it('sign-up → invite (mail over SMTP) → accept → sign-in → API key → automation call', async () => {
    const owner = await signUp('flow');
    const inviteeEmail = `new-${randomBytes(4).toString('hex')}@example.test`;
    expect((await invite(owner.session, inviteeEmail, 'admin')).errors).toBeUndefined();
    const mail = await waitForMail(stack.mailboxDir, inviteeEmail, 'You are invited');
    expect(mail.body).toContain(`${stack.webUrl}/invite/`);
    const token = linkToken(mail, 'invite');

    const invitee = new GraphQLSession(stack.apiUrl);
    const password = pw();
    const accepted = await invitee.request(ACCEPT, { i: { token, password } });
    expect(accepted.data).toEqual({
      acceptInvitation: { email: inviteeEmail, role: 'admin', tenant: { slug: owner.slug } },
    });

    const fresh = new GraphQLSession(stack.apiUrl);
    await fresh.login(inviteeEmail, password);
    const key = await fresh.request<{ createApiKey: { secret: string } }>(
      'mutation { createApiKey(input: { name: "ci", role: "viewer" }) { secret } }',
    );
    const secret = key.data?.createApiKey.secret as string;
    const res = await fetch(`${stack.apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        query: REQUESTS_QUERY,
        variables: { timeRange: { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() } },
      }),
    });
    const body = (await res.json()) as { data?: { requests: { edges: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.requests.edges).toEqual([]);

    const members = await owner.session.request<{ members: { edges: { node: { email: string; role: string } }[] } }>(
      '{ members { edges { node { email role } } } }',
    );
    expect(members.data?.members.edges.map((e) => e.node)).toEqual(
      expect.arrayContaining([
        { email: owner.email, role: 'owner' },
        { email: inviteeEmail, role: 'admin' },
      ]),
    );
    // The link works once.
    const again = await new GraphQLSession(stack.apiUrl).request(ACCEPT, { i: { token, password } });
    expect(again.errors?.[0]?.message).toMatch(/already used/);
  });

  it('refuses invitations above your role, by viewers, and joining an existing account without its password', async () => {
    const owner = await signUp('inv-rules');
    const other = await signUp('inv-other');
    const viewerEmail = `viewer-${randomBytes(4).toString('hex')}@example.test`;
    await invite(owner.session, viewerEmail, 'viewer');
    const viewerPassword = pw();
    const viewer = new GraphQLSession(stack.apiUrl);
    await viewer.request(ACCEPT, {
      i: {
        token: linkToken(await waitForMail(stack.mailboxDir, viewerEmail, 'invited'), 'invite'),
        password: viewerPassword,
      },
    });
    expect((await invite(viewer, 'x@example.test')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // The other tenant's owner invites an existing user: accepting needs that user's password.
    await invite(other.session, owner.email, 'viewer');
    const token = linkToken(await waitForMail(stack.mailboxDir, owner.email, `invited to T ${other.slug}`), 'invite');
    const wrong = await new GraphQLSession(stack.apiUrl).request(ACCEPT, {
      i: { token, password: 'not the password' },
    });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    const ok = await new GraphQLSession(stack.apiUrl).request(ACCEPT, { i: { token, password: owner.password } });
    expect(ok.errors).toBeUndefined();

    // Now the owner belongs to two tenants and can switch between them.
    const tenants = await owner.session.request<{ myTenants: { slug: string; current: boolean }[] }>(
      '{ myTenants { slug current } }',
    );
    expect(tenants.data?.myTenants).toEqual([
      { slug: owner.slug, current: true },
      { slug: other.slug, current: false },
    ]);
    const switched = await owner.session.request<{ switchTenant: { role: string; tenant: { slug: string } } }>(
      `mutation { switchTenant(slug: "${other.slug}") { role tenant { slug } } }`,
    );
    expect(switched.data?.switchTenant).toEqual({ role: 'viewer', tenant: { slug: other.slug } });
    const nope = await owner.session.request(
      `mutation { switchTenant(slug: "${randomBytes(6).toString('hex')}") { role } }`,
    );
    expect(nope.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('resets a password through a single-use emailed link and ends every session', async () => {
    const u = await signUp('reset');
    const quiet = await new GraphQLSession(stack.apiUrl).request<{ requestPasswordReset: boolean }>(
      'mutation { requestPasswordReset(email: "nobody-here@example.test") }',
    );
    expect(quiet.data?.requestPasswordReset).toBe(true);
    await new GraphQLSession(stack.apiUrl).request(`mutation { requestPasswordReset(email: "${u.email}") }`);
    const token = linkToken(await waitForMail(stack.mailboxDir, u.email, 'Reset your'), 'reset-password');
    const newPassword = pw();
    const reset = await new GraphQLSession(stack.apiUrl).request(
      'mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }',
      {
        i: { token, password: newPassword },
      },
    );
    expect(reset.errors).toBeUndefined();
    expect((await u.session.request<{ me: null }>('{ me { email } }')).data?.me).toBeNull();
    const reused = await new GraphQLSession(stack.apiUrl).request(
      'mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }',
      {
        i: { token, password: pw() },
      },
    );
    expect(reused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await new GraphQLSession(stack.apiUrl).login(u.email, newPassword);
    await expect(new GraphQLSession(stack.apiUrl).login(u.email, u.password)).rejects.toThrow(/login failed/);
  });

  it('removes members (ending their sessions), keeps one owner, and never reaches into another tenant', async () => {
    const a = await signUp('remove-a');
    const b = await signUp('remove-b');
    const email = `m-${randomBytes(4).toString('hex')}@example.test`;
    await invite(a.session, email, 'editor');
    const member = new GraphQLSession(stack.apiUrl);
    await member.request(ACCEPT, {
      i: { token: linkToken(await waitForMail(stack.mailboxDir, email, 'invited'), 'invite'), password: pw() },
    });
    const list = await a.session.request<{ members: { edges: { node: { userId: string; email: string } }[] } }>(
      '{ members { edges { node { userId email } } } }',
    );
    const memberId = list.data?.members.edges.find((e) => e.node.email === email)?.node.userId as string;
    const ownerId = list.data?.members.edges.find((e) => e.node.email === a.email)?.node.userId as string;

    expect(
      (await b.session.request(`mutation { removeMember(userId: "${memberId}") }`)).errors?.[0]?.extensions?.code,
    ).toBe('NOT_FOUND');
    const crossRole = await b.session.request(
      `mutation { changeMemberRole(input: { userId: "${memberId}", role: "viewer" }) { role } }`,
    );
    expect(crossRole.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const demoteLast = await a.session.request(
      `mutation { changeMemberRole(input: { userId: "${ownerId}", role: "admin" }) { role } }`,
    );
    expect(demoteLast.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    expect((await member.request<{ me: { role: string } }>('{ me { role } }')).data?.me.role).toBe('editor');
    expect((await a.session.request(`mutation { removeMember(userId: "${memberId}") }`)).errors).toBeUndefined();
    expect((await member.request<{ me: null }>('{ me { role } }')).data?.me).toBeNull();

    const log = await a.session.request<{ auditLog: { edges: { node: { action: string } }[] } }>(
      '{ auditLog(page: { first: 50 }) { edges { node { action } } } }',
    );
    expect(log.data?.auditLog.edges.map((e) => e.node.action)).toEqual(
      expect.arrayContaining(['member.invite', 'member.join', 'member.remove', 'tenant.signUp']),
    );
  });
});
