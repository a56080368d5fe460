import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { testPrisma } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, type RequestNode } from '../kit/graphql-client';
import { startHttpTarget } from '../kit/http-target';

/**
 * Delivery without loss under faults, end to end: a real agent (eBPF) captures numbered requests made at a steady
 * rate while its gateway — in embedded mode also the process that owns ClickHouse — is killed with SIGKILL and
 * restarted, frozen with SIGSTOP (requests in flight time out, the agent retries, the old requests then complete),
 * stopped cleanly and restarted, and while the network between agent and gateway is cut for 60 s (a TCP proxy
 * that swallows every byte). Afterwards every request number is stored exactly once on each side.
 *
 * The gateway under test is a second server with its own Postgres database, Redis db, state and chDB directory,
 * so killing it disturbs no other spec and the control plane can only assign the agent to it.
 */
const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

const root = path.resolve(__dirname, '..', '..');
const serverMain = path.join(root, 'apps', 'api', 'dist', 'main.js');
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 14000);
const ports = { api: base + 10, ingest: base + 11 };

/**
 * A TCP relay to the gateway that can be cut: while cut it accepts connections and silently drops every byte in
 * both directions (a black hole, the nastiest partition: the agent's requests hang until its own timeout).
 */
class CuttableProxy {
  private server = net.createServer((client) => this.accept(client));
  private sockets = new Set<net.Socket>();
  cut = false;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Ends the partition: connections opened during it are reset, so the agent reconnects. */
  restore(): void {
    this.cut = false;
    for (const s of this.sockets) s.destroy();
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
  }

  private accept(client: net.Socket): void {
    this.track(client);
    if (this.cut) {
      client.on('data', () => {});
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.track(upstream);
    client.on('data', (b) => {
      if (!this.cut) upstream.write(b);
    });
    upstream.on('data', (b) => {
      if (!this.cut) client.write(b);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

describe.skipIf(skipEbpf)('ingest chaos: kill -9, frozen and restarted ClickHouse owner, 60 s partition', () => {
  const runId = randomBytes(4).toString('hex');
  const dbName = `bathyscope_chaos_${runId}`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-chaos-'));
  const agentDir = path.join(stateDir, 'agent-host');
  const adminDb = testPrisma();
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let proxy: CuttableProxy;
  let target: Awaited<ReturnType<typeof startHttpTarget>>;
  let session: GraphQLSession;
  let agentId: number;
  let serverLog = '';
  let agentLog = '';

  function startServer(): void {
    const child = spawn(process.execPath, [serverMain], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (serverLog += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (serverLog += c.toString()));
    server = child;
  }

  async function healthy(timeoutMs = 60_000): Promise<void> {
    const up = await eventually(
      () =>
        fetch(`http://127.0.0.1:${ports.ingest}/healthz`)
          .then((r) => r.ok)
          .catch(() => false),
      (x) => x,
      timeoutMs,
    );
    expect(up, `server log:\n${serverLog.slice(-3000)}`).toBe(true);
  }

  async function stopServer(signal: NodeJS.Signals): Promise<void> {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Requests `/chaos-<run>/<n>` at a steady rate from this process until stopped; counts what it sent. */
  function streamRequests(perSecond: number) {
    let n = 0;
    let stopped = false;
    const agentOpts = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const loop = (async () => {
      while (!stopped) {
        const i = n++;
        await new Promise<void>((resolve) => {
          const req = http.get(
            { host: '127.0.0.1', port: target.port, path: `/chaos-${runId}/${i}`, agent: agentOpts },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', () => resolve());
        });
        await sleep(1000 / perSecond);
      }
    })();
    return {
      sent: () => n,
      stop: async () => {
        stopped = true;
        await loop;
        agentOpts.destroy();
      },
    };
  }

  const rows = (): Promise<RequestNode[]> =>
    allRequests(session, { pathContains: `/chaos-${runId}/` }, Date.now() - 30 * 60_000).then((r) =>
      r.filter((x) => x.agentId === agentId),
    );

  beforeAll(async () => {
    if (!stack.agentCapturing) throw new Error(`eBPF capture is unavailable: ${stack.agentProblems.join('; ')}`);
    await adminDb.$executeRawUnsafe(`CREATE DATABASE ${dbName}`);
    const dbUrl = new URL(stack.databaseUrl);
    dbUrl.pathname = `/${dbName}`;
    const redisUrl = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
    redisUrl.pathname = `/${process.env.BATHYSCOPE_CHAOS_REDIS_DB ?? '14'}`;

    proxy = new CuttableProxy(ports.ingest);
    await proxy.listen();
    env = {
      ...process.env,
      BATHYSCOPE_STATE_DIR: stateDir,
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: redisUrl.toString(),
      API_PORT: String(ports.api),
      INGEST_PORT: String(ports.ingest),
      INGEST_H2_PORT: '',
      // Agents reach this gateway only through the proxy: that is the address the control plane hands out.
      INGEST_PUBLIC_URL: `http://127.0.0.1:${proxy.port}`,
    };
    const migrate = spawnSync(process.execPath, [path.join(root, 'scripts', 'prisma.mjs'), 'migrate', 'deploy'], {
      env,
      encoding: 'utf8',
    });
    expect(migrate.status, migrate.stderr).toBe(0);
    const seed = spawnSync(process.execPath, [path.join(root, 'apps/api/dist/cli/seed-demo.js')], {
      env,
      encoding: 'utf8',
    });
    expect(seed.status, seed.stderr).toBe(0);
    const demo = JSON.parse(seed.stdout.trim().split('\n').at(-1) as string);
    startServer();
    await healthy(90_000);

    const token = fs.readFileSync(path.join(stateDir, 'agent', 'enrollment.token'), 'utf8').trim();
    // Not spawnSync: the proxy it enrolls through lives in this process's event loop.
    const enrolled = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [agentMain, 'enroll', '--server', `http://127.0.0.1:${proxy.port}`, '--state-dir', agentDir],
        { env: { ...env, BATHYSCOPE_ENROLLMENT_TOKEN: token }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agentId = JSON.parse(fs.readFileSync(path.join(agentDir, 'agent', 'credentials.json'), 'utf8')).agentId;
    agent = spawn(process.execPath, [agentMain, 'run', '--state-dir', agentDir], {
      env: { ...env, BATHYSCOPE_INGEST_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout?.on('data', (c: Buffer) => (agentLog += c.toString()));
    agent.stderr?.on('data', (c: Buffer) => (agentLog += c.toString()));
    const status = await eventually(
      async () => {
        try {
          return JSON.parse(fs.readFileSync(path.join(agentDir, 'agent', 'status.json'), 'utf8'));
        } catch {
          return null;
        }
      },
      (s) => (s?.capabilities?.programs?.length ?? 0) > 0,
      30_000,
    );
    expect(status?.capabilities?.programs?.length, agentLog).toBeGreaterThan(0);
    target = await startHttpTarget();
    session = new GraphQLSession(`http://127.0.0.1:${ports.api}`);
    await session.login(demo.email, demo.password);
  }, 180_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const a = agent;
      await new Promise<void>((r) => {
        a.once('exit', () => r());
        a.kill('SIGTERM');
      });
    }
    await stopServer('SIGTERM');
    await target?.stop();
    await proxy?.close();
    await adminDb.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('stores every request number exactly once after kill -9, SIGSTOP, restart and a 60 s cut-off', async () => {
    const stream = streamRequests(20);
    await sleep(5000);

    // 1. The gateway (and ClickHouse owner) dies without warning mid-stream.
    await stopServer('SIGKILL');
    await sleep(3000);
    startServer();
    await healthy();
    await sleep(5000);

    // 2. The owner freezes: requests in flight hang past the agent's timeout and are retried; when it thaws, the
    //    frozen originals complete too — the deduplication token keeps the retried batches single.
    server?.kill('SIGSTOP');
    await sleep(12_000);
    server?.kill('SIGCONT');
    await sleep(5000);

    // 3. A clean stop and restart of the owner.
    await stopServer('SIGTERM');
    await sleep(2000);
    startServer();
    await healthy();
    await sleep(5000);

    // 4. The agent is cut off for 60 s and keeps capturing into its spool.
    proxy.cut = true;
    await sleep(60_000);
    proxy.restore();
    await sleep(3000);
    await stream.stop();
    const n = stream.sent();
    expect(n).toBeGreaterThan(1000);

    const seen = await eventually(
      () => rows(),
      (r) => r.length >= 2 * n,
      120_000,
    );
    // Any duplicate a late retry could cause gets time to arrive before judging.
    await sleep(5000);
    const final = await rows();
    // The faults were real for the agent: it retried, and what it could not send waited in its spool.
    const status = JSON.parse(fs.readFileSync(path.join(agentDir, 'agent', 'status.json'), 'utf8'));
    expect(status.counters['shipper.retries'], JSON.stringify(status.counters)).toBeGreaterThan(0);
    expect(status.counters['spool.rows_dropped'] ?? 0).toBe(0);
    expect(status.counters['shipper.rows_dropped'] ?? 0).toBe(0);
    const report = `sent ${n}, stored ${final.length} (first look ${seen.length})\nagent log:\n${agentLog.slice(-3000)}`;
    for (const side of ['server', 'client'] as const) {
      const counts = new Map<number, number>();
      for (const r of final.filter((x) => x.side === side)) {
        const i = Number(r.path.split('/').pop());
        counts.set(i, (counts.get(i) ?? 0) + 1);
      }
      const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !counts.has(i));
      const duplicated = [...counts].filter(([, c]) => c > 1).map(([i]) => i);
      expect({ side, missing: missing.slice(0, 20), duplicated: duplicated.slice(0, 20) }, report).toEqual({
        side,
        missing: [],
        duplicated: [],
      });
    }
  }, 420_000);
});
