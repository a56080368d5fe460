import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPrismaClient, type PrismaClient } from '@bathyscope/db';
import { encodeL7RequestBatch, ResponseStatus } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';
import { startWebhookReceiver } from '../kit/webhook-receiver';

/**
 * "No duplicate notifications across evaluator restarts", with a real process kill. The server (API + ingest +
 * evaluator + webhook dispatcher, apps/api/dist/main.js) runs as a child of this test with its own Postgres
 * database, Redis and chDB directory, so nothing else evaluates its rules or delivers its webhooks. A rule fires for
 * two alerts (two server ports answering 5xx); the server is SIGKILLed while the receiver holds the first
 * notification's request open, started again, SIGKILLed again after both notifications are delivered, started
 * again, and once more while a "resolved" notification is in flight. The receiver must end up with exactly one
 * firing and one resolved notification per alert fingerprint. A notification whose HTTP request was cut by the kill
 * is sent again with the same `webhook-id` and body — the Standard Webhooks contract for a retry, which receivers
 * deduplicate on — and this test checks that every such repeat is exactly that, never a new notification.
 */
const stack = inject('stack');
const root = path.resolve(__dirname, '..', '..');

const INTERVAL_S = 15;
// Ports of its own (other specs use base + 10 … + 31), so a server another spec left behind cannot answer here.
const base = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 14000) + 40;
const ports = { api: base, ingest: base + 1, ingestH2: base + 3, redis: base + 5 };

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

interface Notification {
  webhookId: string;
  body: string;
  status: string;
  alerts: { fingerprint: string; status: string; labels: Record<string, string> }[];
}

describe('alert notifications across SIGKILL and restart of the server', () => {
  const run = randomBytes(3).toString('hex');
  const dbName = `${new URL(stack.databaseUrl).pathname.slice(1)}_kill_${run}`;
  const dbUrl = (() => {
    const u = new URL(stack.databaseUrl);
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  const stateDir = path.join(path.dirname(stack.stateDir), `alerts-restart-${run}`);
  const logFile = path.join(stateDir, 'server.log');
  let prisma: PrismaClient;
  let redis: ChildProcess;
  let server: ChildProcess | null = null;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let agentToken = '';
  let errorsOn = true;
  let stopTraffic = false;
  let seq = 1;
  const hookPath = `/restart-${run}`;
  const api = `http://127.0.0.1:${ports.api}`;
  const ingest = `http://127.0.0.1:${ports.ingest}`;
  let session: GraphQLSession;
  let ruleId = '';
  const kills: string[] = [];

  const notifications = (): Notification[] =>
    receiver.at(hookPath).map((r) => {
      const p = JSON.parse(r.body);
      return { webhookId: r.headers['webhook-id'] as string, body: r.body, status: p.status, alerts: p.alerts };
    });

  async function startServer(): Promise<void> {
    const fd = fs.openSync(logFile, 'a');
    server = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
      cwd: root,
      env: {
        ...process.env,
        BATHYSCOPE_STATE_DIR: stateDir,
        DATABASE_URL: dbUrl,
        REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
        API_PORT: String(ports.api),
        INGEST_PORT: String(ports.ingest),
        INGEST_H2_PORT: String(ports.ingestH2),
        WEB_URL: 'http://127.0.0.1:9',
        BATHYSCOPE_WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8',
      },
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    await waitForHttp(`${api}/healthz`, 90_000);
    await waitForHttp(`${ingest}/healthz`, 90_000);
  }

  async function killServer(why: string): Promise<void> {
    const s = server;
    if (!s || s.exitCode !== null) return;
    kills.push(why);
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await exited;
    server = null;
  }

  /** Every 2 s one row per port, answered 500 (or, once errorsOn is off, twenty rows answered 200). */
  async function traffic(): Promise<void> {
    while (!stopTraffic) {
      const rows = [8081, 8082].flatMap((serverPort) =>
        errorsOn
          ? [wireRow(`/restart-${run}`, { serverPort, statusCode: 500, responseStatus: ResponseStatus.ServerError })]
          : Array.from({ length: 20 }, () => wireRow(`/restart-${run}`, { serverPort })),
      );
      try {
        const res = await fetch(`${ingest}/v1/l7`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${agentToken}` },
          body: new Uint8Array(encodeL7RequestBatch({ stream: `restart-${run}`, seq: seq++, rows })),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
      } catch {
        // The server is down (killed on purpose): the next tick tries again.
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  /** Distinct notifications (webhook ids) that carry `fingerprint` with `status`. */
  const distinct = (fingerprint: string, status: string) =>
    new Set(
      notifications()
        .filter((n) => n.alerts.some((a) => a.fingerprint === fingerprint && a.status === status))
        .map((n) => n.webhookId),
    ).size;

  beforeAll(async () => {
    fs.mkdirSync(stateDir, { recursive: true });
    await testPrisma().$executeRawUnsafe(`CREATE DATABASE "${dbName}"`);
    const migrated = spawnSync(process.execPath, [path.join(root, 'scripts/prisma.mjs'), 'migrate', 'deploy'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: dbUrl },
      encoding: 'utf8',
    });
    if (migrated.status !== 0) throw new Error(`migrate deploy failed: ${migrated.stderr}`);
    prisma = createPrismaClient(dbUrl, 2);
    redis = spawn(
      'redis-server',
      ['--port', String(ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const { provisionAgent, provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('base64url');
    const tenant = await provisionTenant(prisma, {
      slug: `restart-${run}`,
      name: `restart-${run}`,
      email: `restart-${run}@example.test`,
      password,
    });
    agentToken = (await provisionAgent(prisma, tenant.tenantId, `restart-${run}`)).token;
    receiver = await startWebhookReceiver();
    // The first firing and the first resolved notification are answered only after 8 s: the kill lands while the
    // request is in flight (received, not yet answered).
    receiver.script(hookPath, (n) => ({ status: 200, delayMs: n === 0 ? 8000 : 0 }));
    await startServer();
    session = new GraphQLSession(api);
    await session.login(tenant.email, password, tenant.slug);
    void traffic();
  }, 240_000);

  afterAll(async () => {
    stopTraffic = true;
    await killServer('cleanup');
    redis?.kill('SIGKILL');
    await receiver?.close();
    await prisma?.$disconnect();
    await testPrisma()
      .$executeRawUnsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)
      .catch(() => {});
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('delivers one firing notification per alert though the server is killed during and after delivery', async () => {
    const dest = (
      await ok(
        session.request(
          'mutation($i: CreateWebhookDestinationInput!) { createWebhookDestination(input: $i) { destination { id } } }',
          { i: { name: `restart-${run}`, url: receiver.url(hookPath) } },
        ),
      )
    ).createWebhookDestination.destination.id;
    ruleId = (
      await ok(
        session.request('mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }', {
          i: {
            name: `restart-${run}`,
            metric: 'server_error_rate',
            filters: [{ label: 'server_port', op: '=~', value: '8081|8082' }],
            groupBy: ['server_port'],
            // Longer than a restart takes, so the alerts keep firing while the server is down.
            windowSeconds: 180,
            operator: '>',
            threshold: 0.5,
            noData: 'ok',
            intervalSeconds: INTERVAL_S,
            notifyGroupBy: ['server_port'],
            groupWaitSeconds: 0,
            groupIntervalSeconds: 0,
            repeatIntervalSeconds: 3600,
            destinationIds: [dest],
          },
        }),
      )
    ).createAlertRule.id;

    // During: the first notification has reached the receiver, which has not answered yet.
    await eventually(
      async () => receiver.at(hookPath).length,
      (n) => n >= 1,
      3 * INTERVAL_S * 1000 + 60_000,
    );
    await killServer('during the first firing notification');
    await startServer();

    const fingerprints = await eventually(
      async () => {
        const fps = new Set(notifications().flatMap((n) => n.alerts.map((a) => a.fingerprint)));
        const delivered = await prisma.webhookDelivery.count({ where: { status: 'delivered' } });
        return { fps: [...fps], delivered };
      },
      (x) => x.fps.length === 2 && x.delivered === 2,
      // Up to a stalled-job check (30 s) after the restart, plus evaluation intervals.
      180_000,
    );
    // After: both notifications are recorded as delivered; kill and restart again.
    await killServer('after both firing notifications were delivered');
    await startServer();
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_S * 1000));

    for (const fp of fingerprints.fps) expect(distinct(fp, 'firing'), fp).toBe(1);
    const instances = await prisma.alertInstance.findMany({ where: { ruleId } });
    expect(instances.map((i) => i.state)).toEqual(['firing', 'firing']);
    expect(await prisma.webhookDelivery.count()).toBe(2);
  }, 420_000);

  it('delivers one resolved notification per alert, though killed while it is in flight', async () => {
    const before = receiver.at(hookPath).length;
    receiver.script(hookPath, (n) => ({ status: 200, delayMs: n === before ? 8000 : 0 }));
    errorsOn = false;
    await eventually(
      async () => receiver.at(hookPath).length,
      (n) => n > before,
      6 * INTERVAL_S * 1000,
    );
    await killServer('during the first resolved notification');
    await startServer();

    const fps = [...new Set(notifications().flatMap((n) => n.alerts.map((a) => a.fingerprint)))];
    await eventually(
      async () => fps.map((fp) => distinct(fp, 'resolved')),
      (counts) => counts.every((c) => c >= 1),
      180_000,
    );
    // The request the kill cut was received, but its delivery is recorded only once the restarted dispatcher has
    // taken the stalled job back (lock expiry + stalled-job check, up to about a minute) and sent it again.
    await eventually(
      () => prisma.webhookDelivery.count({ where: { status: { not: 'delivered' } } }),
      (n) => n === 0,
      180_000,
    );
    // A few more intervals for anything late to show up.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_S * 1000));

    const all = notifications();
    console.log(
      `kills: ${kills.join('; ')}. Requests received: ${all.length}, distinct notifications: ${new Set(all.map((n) => n.webhookId)).size}`,
    );
    for (const fp of fps) {
      expect(distinct(fp, 'firing'), fp).toBe(1);
      expect(distinct(fp, 'resolved'), fp).toBe(1);
    }
    // Every request beyond one per notification repeats that notification exactly: same id, same bytes.
    const byId = new Map<string, string>();
    for (const n of all) {
      const first = byId.get(n.webhookId);
      if (first === undefined) byId.set(n.webhookId, n.body);
      else expect(n.body).toBe(first);
    }
    expect(byId.size).toBe(4);
    // A repeat can only be the request the kill cut: at most one per kill during a delivery.
    expect(all.length - byId.size).toBeLessThanOrEqual(2);
    const deliveries = await prisma.webhookDelivery.findMany({ select: { status: true, payload: true } });
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    const history = await prisma.alertHistory.findMany({ where: { ruleId }, orderBy: { id: 'asc' } });
    expect(history.map((h) => `${h.fromState}->${h.toState}`).sort()).toEqual([
      'firing->resolved',
      'firing->resolved',
      'inactive->firing',
      'inactive->firing',
    ]);
  }, 420_000);
});
