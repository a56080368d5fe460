import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { startWebhookReceiver } from '../kit/webhook-receiver';

const stack = inject('stack');

const CREATE = `mutation($i: CreateWebhookDestinationInput!) {
  createWebhookDestination(input: $i) { secret destination { id name url enabled secretCount } } }`;
const SEND_TEST = 'mutation($id: ID!) { sendTestNotification(destinationId: $id) { id messageId status } }';
const DELIVERIES = `query($f: WebhookDeliveryFilter) { webhookDeliveries(filter: $f) {
  id destinationId messageId kind status attempts payload
  attemptLog { attempt statusCode durationMs error responseSnippet at } } }`;

interface Delivery {
  id: string;
  destinationId: string;
  messageId: string;
  kind: string;
  status: string;
  attempts: number;
  payload: string;
  attemptLog: { attempt: number; statusCode: number | null; durationMs: number; error: string | null; at: string }[];
}

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('webhooks: signed, retried, logged, SSRF-guarded', () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const owner = new GraphQLSession(stack.apiUrl);
  const other = new GraphQLSession(stack.apiUrl);
  const run = randomBytes(3).toString('hex');

  const create = async (s: GraphQLSession, name: string, url: string, extra: Record<string, unknown> = {}) =>
    (await ok(s.request(CREATE, { i: { name, url, ...extra } }))).createWebhookDestination as {
      secret: string;
      destination: { id: string; enabled: boolean; secretCount: number };
    };
  const deliveries = async (s: GraphQLSession, f: Record<string, unknown>) =>
    (await ok(s.request(DELIVERIES, { f }))).webhookDeliveries as Delivery[];
  const settled = (destinationId: string) =>
    eventually(
      () => deliveries(owner, { destinationId }),
      (d) => d.length > 0 && d.every((x) => x.status !== 'pending'),
      60_000,
    );

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    a = await createTenantWithAgent('hooks-a');
    b = await createTenantWithAgent('hooks-b');
    await owner.login(a.email, a.password, a.slug);
    await other.login(b.email, b.password, b.slug);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('signs per Standard Webhooks; after rotation both the old and the new secret verify', async () => {
    const path = `/signed-${run}`;
    const first = secret();
    const { destination } = await create(owner, `signed-${run}`, receiver.url(path), { secret: first });
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    await eventually(
      async () => receiver.at(path),
      (r) => r.length >= 1,
    );
    const [one] = receiver.at(path);
    expect(new Webhook(first).verify(one?.body as string, one?.headers as Record<string, string>)).toMatchObject({
      version: '4',
    });

    const rotated = (
      await ok(
        owner.request('mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret destination { secretCount } } }', {
          id: destination.id,
        }),
      )
    ).rotateWebhookSecret;
    expect(rotated.destination.secretCount).toBe(2);
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    await eventually(
      async () => receiver.at(path),
      (r) => r.length >= 2,
    );
    const two = receiver.at(path)[1];
    const headers = two?.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(headers['webhook-id']).toMatch(/^msg_/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(new Webhook(first).verify(two?.body as string, headers)).toBeTruthy();
    expect(new Webhook(rotated.secret).verify(two?.body as string, headers)).toBeTruthy();
    expect(() => new Webhook(secret()).verify(two?.body as string, headers)).toThrow();

    // Dropping the old secret: only the new one signs.
    await ok(
      owner.request(
        'mutation($id: ID!, $i: RotateWebhookSecretInput) { rotateWebhookSecret(id: $id, input: $i) { secret } }',
        {
          id: destination.id,
          i: { keepPrevious: false },
        },
      ),
    );
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    await eventually(
      async () => receiver.at(path),
      (r) => r.length >= 3,
    );
    const three = receiver.at(path)[2];
    expect(() => new Webhook(first).verify(three?.body as string, three?.headers as Record<string, string>)).toThrow();

    // The secret never comes back from the API or the audit log.
    const audit = await testPrisma().auditLog.findMany({ where: { tenantId: a.tenantId, targetId: destination.id } });
    expect(audit.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(audit)).not.toContain(first.slice(6, 30));
  });

  it('retries 500, 500, then 200: exactly one successful delivery, three attempts in the log, one webhook-id', async () => {
    const path = `/flaky-${run}`;
    receiver.script(path, (n) => ({ status: n < 2 ? 500 : 200 }));
    const { destination } = await create(owner, `flaky-${run}`, receiver.url(path));
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    const [d] = await settled(destination.id);
    expect(d?.status).toBe('delivered');
    expect(d?.attempts).toBe(3);
    expect(d?.attemptLog.map((x) => x.statusCode)).toEqual([500, 500, 200]);
    expect(d?.attemptLog.every((x) => x.durationMs >= 0)).toBe(true);
    // Give a duplicate time to show up, then count what the receiver got.
    await new Promise((r) => setTimeout(r, 3000));
    const got = receiver.at(path);
    expect(got.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(got.filter((r) => r.answered === 200)).toHaveLength(1);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([d?.messageId]));
    // Exponential backoff: the second wait is longer than the first lower bound (0.5 s, 1 s with jitter).
    const times = got.map((r) => r.at);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(400);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(900);
  });

  it('honours Retry-After', async () => {
    const path = `/later-${run}`;
    receiver.script(path, (n) => (n === 0 ? { status: 503, headers: { 'retry-after': '4' } } : { status: 200 }));
    const { destination } = await create(owner, `later-${run}`, receiver.url(path));
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    const [d] = await settled(destination.id);
    expect(d?.status).toBe('delivered');
    const got = receiver.at(path);
    expect(got).toHaveLength(2);
    // Without Retry-After the first retry comes after 0.5–1 s.
    expect((got[1]?.at as number) - (got[0]?.at as number)).toBeGreaterThanOrEqual(3900);
  });

  it('disables the destination on 410 Gone and sends nothing more', async () => {
    const path = `/gone-${run}`;
    receiver.script(path, () => ({ status: 410 }));
    const { destination } = await create(owner, `gone-${run}`, receiver.url(path));
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    const [d] = await settled(destination.id);
    expect(d?.status).toBe('disabled');
    expect(d?.attempts).toBe(1);
    const after = (
      await ok(
        owner.request('query($id: ID!) { webhookDestination(id: $id) { enabled disabledReason } }', {
          id: destination.id,
        }),
      )
    ).webhookDestination;
    expect(after.enabled).toBe(false);
    expect(after.disabledReason).toMatch(/410/);
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    const all = await settled(destination.id);
    expect(all.map((x) => x.status)).toEqual(['disabled', 'disabled']);
    expect(receiver.at(path)).toHaveLength(1);
  });

  it('dead-letters after maxAttempts, keeping every attempt', async () => {
    const path = `/down-${run}`;
    receiver.script(path, () => ({ status: 502 }));
    const { destination } = await create(owner, `down-${run}`, receiver.url(path), { maxAttempts: 3 });
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    const [d] = await settled(destination.id);
    expect(d?.status).toBe('dead');
    expect(d?.attemptLog.map((x) => x.statusCode)).toEqual([502, 502, 502]);
    expect((await deliveries(owner, { status: 'dead', destinationId: destination.id })).map((x) => x.id)).toEqual([
      d?.id,
    ]);
  });

  it('times out a slow receiver per attempt', async () => {
    const path = `/slow-${run}`;
    receiver.script(path, () => ({ status: 200, delayMs: 3000 }));
    const { destination } = await create(owner, `slow-${run}`, receiver.url(path), {
      maxAttempts: 1,
      timeoutMs: 500,
    });
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    const [d] = await settled(destination.id);
    expect(d?.status).toBe('dead');
    expect(d?.attemptLog[0]?.statusCode).toBeNull();
    expect(d?.attemptLog[0]?.error).toMatch(/timed out after 500 ms/);
    expect(d?.attemptLog[0]?.durationMs).toBeLessThan(2500);
  });

  it('refuses private, loopback outside the allowed CIDR, link-local and metadata addresses with the reason', async () => {
    const refusal = async (url: string) => {
      const r = await owner.request(CREATE, { i: { name: `ssrf-${randomBytes(3).toString('hex')}`, url } });
      return {
        code: r.errors?.[0]?.extensions?.code,
        ...(r.errors?.[0]?.extensions ?? {}),
        message: r.errors?.[0]?.message,
      };
    };
    expect(await refusal('http://169.254.169.254/latest/meta-data/')).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'url',
      reason: 'metadata',
    });
    expect(await refusal('http://[fd00:ec2::254]/')).toMatchObject({ reason: 'metadata' });
    expect(await refusal('http://10.0.0.8/hook')).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'private' });
    expect(await refusal('http://192.168.1.10/hook')).toMatchObject({ reason: 'private' });
    expect(await refusal('http://169.254.10.10/hook')).toMatchObject({ reason: 'link-local' });
    expect(await refusal('http://[fe80::1]/hook')).toMatchObject({ reason: 'link-local' });
    expect(await refusal('http://[::1]/hook')).toMatchObject({ reason: 'loopback' });
    expect(await refusal('http://[::ffff:10.0.0.1]/hook')).toMatchObject({ reason: 'private' });
    expect(await refusal('file:///etc/passwd')).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'scheme' });
    expect(await refusal('not a url')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    const loopback = await refusal(receiver.url('/allowed'));
    expect(loopback.code).toBeUndefined();
  });

  it('re-checks the address at delivery time: a destination whose address became refused is dead-lettered', async () => {
    const { destination } = await create(owner, `rebind-${run}`, receiver.url(`/rebind-${run}`));
    // As if its DNS now answered a metadata address (the stored URL changes underneath the API's create check).
    await testPrisma().webhookDestination.update({
      where: { id: destination.id },
      data: { url: 'http://169.254.169.254/latest/meta-data/' },
    });
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    const [d] = await settled(destination.id);
    expect(d?.status).toBe('dead');
    expect(d?.attemptLog[0]?.error).toMatch(/metadata/);
  });

  it('keeps destinations and deliveries to their tenant, and lets only editors change them', async () => {
    const { destination } = await create(owner, `mine-${run}`, receiver.url(`/mine-${run}`));
    await ok(owner.request(SEND_TEST, { id: destination.id }));
    expect((await ok(other.request('{ webhookDestinations { id } }'))).webhookDestinations).toEqual([]);
    expect(await deliveries(other, {})).toEqual([]);
    expect(await deliveries(other, { destinationId: destination.id })).toEqual([]);
    const code = async (s: GraphQLSession, q: string, v: Record<string, unknown>) =>
      (await s.request(q, v)).errors?.[0]?.extensions?.code;
    expect(await code(other, 'query($id: ID!) { webhookDestination(id: $id) { id } }', { id: destination.id })).toBe(
      'NOT_FOUND',
    );
    expect(await code(other, SEND_TEST, { id: destination.id })).toBe('NOT_FOUND');
    expect(
      await code(
        other,
        'mutation($id: ID!) { updateWebhookDestination(id: $id, input: { url: "http://127.0.0.1:1/x" }) { id } }',
        {
          id: destination.id,
        },
      ),
    ).toBe('NOT_FOUND');
    expect(await code(other, 'mutation($id: ID!) { deleteWebhookDestination(id: $id) }', { id: destination.id })).toBe(
      'NOT_FOUND',
    );
    expect(
      await code(other, 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id: destination.id }),
    ).toBe('NOT_FOUND');

    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('base64url');
    const viewerMember = await provisionTenant(testPrisma(), {
      slug: a.slug,
      name: a.slug,
      email: `viewer-${a.slug}@example.test`,
      password,
      role: 'viewer',
    });
    const viewer = new GraphQLSession(stack.apiUrl);
    await viewer.login(viewerMember.email, password, a.slug);
    expect((await ok(viewer.request('{ webhookDestinations { id } }'))).webhookDestinations.length).toBeGreaterThan(0);
    expect(await code(viewer, CREATE, { i: { name: 'nope', url: receiver.url('/nope') } })).toBe('FORBIDDEN');
    expect(await code(viewer, SEND_TEST, { id: destination.id })).toBe('FORBIDDEN');
    expect(await code(viewer, 'mutation($id: ID!) { deleteWebhookDestination(id: $id) }', { id: destination.id })).toBe(
      'FORBIDDEN',
    );
  });

  it('answers bad input with precise errors', async () => {
    const code = async (i: Record<string, unknown>) =>
      (await owner.request(CREATE, { i })).errors?.[0]?.extensions?.code;
    expect(await code({ name: '', url: receiver.url('/x') })).toBe('BAD_USER_INPUT');
    expect(await code({ name: 'x', url: receiver.url('/x'), secret: "whsec_'; DROP TABLE x" })).toBe('BAD_USER_INPUT');
    expect(await code({ name: 'x', url: receiver.url('/x'), maxAttempts: 1000 })).toBe('BAD_USER_INPUT');
    expect(await code({ name: 'x', url: receiver.url('/x'), timeoutMs: 10 })).toBe('BAD_USER_INPUT');
    expect(await code({ name: 'x', url: `http://127.0.0.1/${'a'.repeat(3000)}` })).toBe('BAD_USER_INPUT');
    const dup = `dup-${run}`;
    await create(owner, dup, receiver.url('/dup'));
    expect(await code({ name: dup, url: receiver.url('/dup') })).toBe('CONFLICT');
  });
});
