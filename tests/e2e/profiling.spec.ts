import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ClickHouseHandle, migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import {
  assignGateway,
  createIngestServer,
  type GatewayNode,
  type IngestServer,
  loadAgentTokenKey,
} from '@bathyscope/ingest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually } from '../kit/graphql-client';

/**
 * Continuous profiling end to end: real agents (apps/agent/dist) sample the host with perf events, symbolize on the
 * agent (ELF symbols, /tmp/perf-<pid>.map of `node --perf-basic-prof`, kallsyms) and ship folded stacks to real
 * gateways, which store them in profile_samples / profile_stacks under the tenant of the agent's credential.
 *
 * The stack's own agent ships to the stack's server; the server owns its chDB directory and no API reads profiles
 * yet, so that path is checked by the gateway's 200s (the agent's `profiling.batches_shipped`). To read the rows, a
 * second agent of a fresh tenant is moved (by the control plane's rendezvous hashing, like any move) to a second
 * real gateway in this process, next to a store the test can query; a third tenant must see none of it.
 */
const stack = inject('stack');

// biome-ignore lint/suspicious/noExplicitAny: status files are navigated in assertions
type Loose = any;

const root = path.resolve(__dirname, '..', '..');
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
const busyLoop = path.join(root, 'apps', 'agent', 'src', 'profiling', 'fixtures', 'busy-loop.cjs');

function readStatus(stateDir: string): Loose {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'status.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** Ids of the loaded profile_cpu programs, all of them or those a process holds open. */
function profilePrograms(pid?: number): number[] {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as {
    id: number;
    name?: string;
  }[];
  const ids = progs.filter((p) => p.name === 'profile_cpu').map((p) => p.id);
  if (pid === undefined) return ids;
  const held = new Set<number>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^prog_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) held.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return ids.filter((id) => held.has(id));
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill(signal);
  });
}

describe('continuous CPU profiling', () => {
  const runId = Date.now().toString(36);
  let tenant: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let other: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let stateDir: string;
  let chDir: string;
  let ch: ClickHouseHandle;
  let gateway: IngestServer;
  let gatewayUrl: string;
  let joined: GatewayNode | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let busy: ChildProcess | undefined;

  async function query<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  beforeAll(async () => {
    tenant = await createTenantWithAgent('profiling');
    other = await createTenantWithAgent('profiling-other');

    chDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-profiling-ch-'));
    ch = await openClickHouse({ stateDir: chDir, clickhouseDatabase: 'bathyscope', clickhouseUrl: undefined });
    await migrateClickHouse(ch);
    gateway = createIngestServer({
      ch,
      prisma: testPrisma(),
      maxBatchBytes: 8 * 1024 * 1024,
      accessTokenKey: loadAgentTokenKey(stack.stateDir),
      checkin: { register: false, gateways: { refreshMs: 1000 } },
    });
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    gatewayUrl = `http://127.0.0.1:${(gateway.app.server.address() as net.AddressInfo).port}`;

    // This gateway joins the healthy set under an id that rendezvous hashing gives this agent and not the stack's
    // own agent (which keeps shipping where the other specs expect it).
    const stackAgentId = JSON.parse(
      fs.readFileSync(path.join(stack.stateDir, 'agent', 'credentials.json'), 'utf8'),
    ).agentId;
    const prisma = testPrisma();
    const healthy = (
      await prisma.ingestGateway.findMany({ where: { heartbeatAt: { gt: new Date(Date.now() - 30_000) } } })
    ).map((g) => ({ id: g.id, url: g.url }));
    for (let i = 0; !joined; i++) {
      const candidate = { id: `gw-profiling-${runId}-${i}`, url: gatewayUrl };
      const all = [...healthy, candidate];
      if (assignGateway(tenant.agent.agentId, all) === candidate && assignGateway(stackAgentId, all) !== candidate)
        joined = candidate;
    }
    const node = joined as GatewayNode;
    await prisma.ingestGateway.create({ data: { ...node, startedAt: new Date(), heartbeatAt: new Date() } });
    keepAlive = setInterval(() => {
      void prisma.ingestGateway.updateMany({ where: { id: node.id }, data: { heartbeatAt: new Date() } });
    }, 5_000);
    // Until this gateway's registry has read the row, its first check-in answer would send the agent to the stack's
    // server (and there it would stay until the next check-in, 30 s later).
    const assigned = await eventually(
      async () => gateway.gateways.assign(tenant.agent.agentId),
      (g) => g?.id === node.id,
      10_000,
    );
    expect(assigned?.id).toBe(node.id);

    // A provisioned agent (static credential) of the tenant; it starts at this gateway and stays assigned to it.
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-profiling-agent-'));
    fs.mkdirSync(path.join(stateDir, 'agent'), { recursive: true });
    fs.writeFileSync(path.join(stateDir, 'agent', 'credentials.json'), JSON.stringify({ token: tenant.agent.token }));
    agent = spawn(process.execPath, [agentMain, 'run', '--state-dir', stateDir, '--ingest', gatewayUrl], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BATHYSCOPE_INGEST_URL: '', BATHYSCOPE_SIGNAL_RECEIVER: '' },
    });
    agent.stdout?.on('data', (c: Buffer) => (agentLog += c.toString()));
    agent.stderr?.on('data', (c: Buffer) => (agentLog += c.toString()));
    const running = await eventually(
      async () => readStatus(stateDir),
      (s) => s?.capabilities?.programs?.includes('perf_event/cpu-clock'),
      30_000,
    );
    expect(running?.capabilities?.programs, `agent log:\n${agentLog.slice(-3000)}`).toContain('perf_event/cpu-clock');
  });

  afterAll(async () => {
    await stop(busy, 'SIGKILL');
    if (busy?.pid) fs.rmSync(`/tmp/perf-${busy.pid}.map`, { force: true });
    await stop(agent);
    clearInterval(keepAlive);
    if (joined) await testPrisma().ingestGateway.deleteMany({ where: { id: joined.id } });
    await gateway?.app.close();
    await ch?.close();
    for (const dir of [stateDir, chDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the stack's own agent profiles and the stack's server accepts its batches", async () => {
    const status = await eventually(
      async () => readStatus(stack.stateDir),
      (s) => (s?.counters?.['profiling.batches_shipped'] ?? 0) > 0,
      45_000,
    );
    expect(status?.capabilities?.programs).toContain('perf_event/cpu-clock');
    expect(status?.counters?.['profiling.batches_shipped']).toBeGreaterThan(0);
    expect(status?.counters?.['profiling.samples']).toBeGreaterThan(0);
  });

  it('a busy node --perf-basic-prof process shows up by function name, under the agent tenant only', async () => {
    // cwd: node writes an isolate log next to itself with these flags.
    busy = spawn(process.execPath, ['--perf-basic-prof', '--no-turbo-inlining', busyLoop, '60'], {
      stdio: 'ignore',
      cwd: os.tmpdir(),
    });
    const pid = busy.pid as number;
    const hot = async () =>
      query<{ samples: string; stacks: string }>(
        `SELECT sum(s.value) AS samples, uniqExact(s.stack_id) AS stacks
           FROM bathyscope.profile_samples AS s
          WHERE s.tenant_id = {t:UInt32} AND s.pid = {pid:UInt32}
            AND s.stack_id IN (SELECT stack_id FROM bathyscope.profile_stacks
                                WHERE tenant_id = {t:UInt32}
                                  AND arrayExists(f -> f LIKE '[jit]!%bathyscopeBusyJs%', frames))`,
        { t: tenant.tenantId, pid },
      );
    // Two 10 s intervals: the first may end before V8 has optimised the function and written its map line.
    const rows = await eventually(hot, (r) => Number(r[0]?.samples ?? 0) >= 100, 50_000);
    // On failure: what was stored for that process instead.
    const seen = async () =>
      JSON.stringify(
        await query(
          `SELECT sum(s.value) AS v, any(k.frames) AS frames FROM bathyscope.profile_samples AS s
             LEFT JOIN bathyscope.profile_stacks AS k ON k.tenant_id = s.tenant_id AND k.stack_id = s.stack_id
            WHERE s.tenant_id = {t:UInt32} AND s.pid = {pid:UInt32} GROUP BY s.stack_id ORDER BY v DESC LIMIT 3`,
          { t: tenant.tenantId, pid },
        ),
      ).slice(0, 3000);
    const samples = Number(rows[0]?.samples ?? 0);
    expect(
      samples,
      samples >= 100
        ? ''
        : `stored for pid ${pid}: ${await seen()}\nagent status: ${JSON.stringify({ ingestUrl: readStatus(stateDir)?.ingestUrl, gatewayUrl, counters: readStatus(stateDir)?.counters })}\nagent log:\n${agentLog.slice(-2000)}`,
    ).toBeGreaterThanOrEqual(100);

    // The hot function dominates what that process did.
    const [all] = await query<{ samples: string }>(
      'SELECT sum(value) AS samples FROM bathyscope.profile_samples WHERE tenant_id = {t:UInt32} AND pid = {pid:UInt32}',
      { t: tenant.tenantId, pid },
    );
    expect(Number(rows[0]?.samples) / Number(all?.samples)).toBeGreaterThan(0.5);
    // Named by the hot function's samples: a sample taken between fork and exec truly ran the parent's code under
    // the parent's comm (vitest's "node (vitest 1)"), and keeps that name.
    const named = await query<{ agent_id: number; process_name: string; event_type: string }>(
      `SELECT DISTINCT agent_id, process_name, event_type FROM bathyscope.profile_samples
        WHERE tenant_id = {t:UInt32} AND pid = {pid:UInt32} AND tid = {pid:UInt32}
          AND stack_id IN (SELECT stack_id FROM bathyscope.profile_stacks
                            WHERE tenant_id = {t:UInt32} AND arrayExists(f -> f LIKE '[jit]!%bathyscopeBusyJs%', frames))`,
      { t: tenant.tenantId, pid },
    );
    expect(named).toEqual([{ agent_id: tenant.agent.agentId, process_name: 'node', event_type: 'cpu' }]);

    // Every stored sample points at a stored stack, and nothing landed under another tenant.
    const [orphans] = await query<{ n: string }>(
      `SELECT count() AS n FROM bathyscope.profile_samples WHERE tenant_id = {t:UInt32}
          AND stack_id NOT IN (SELECT stack_id FROM bathyscope.profile_stacks WHERE tenant_id = {t:UInt32})`,
      { t: tenant.tenantId },
    );
    expect(Number(orphans?.n)).toBe(0);
    const [elsewhere] = await query<{ samples: string; stacks: string }>(
      `SELECT (SELECT count() FROM bathyscope.profile_samples WHERE tenant_id != {t:UInt32}) AS samples,
              (SELECT count() FROM bathyscope.profile_stacks WHERE tenant_id != {t:UInt32}) AS stacks`,
      { t: tenant.tenantId },
    );
    expect([Number(elsewhere?.samples), Number(elsewhere?.stacks)]).toEqual([0, 0]);
    expect(other.tenantId).not.toBe(tenant.tenantId);
    const [otherTenant] = await query<{ n: string }>(
      'SELECT count() AS n FROM bathyscope.profile_samples WHERE tenant_id = {t:UInt32}',
      { t: other.tenantId },
    );
    expect(Number(otherTenant?.n)).toBe(0);

    // The status file is rewritten every few seconds.
    const status = await eventually(
      async () => readStatus(stateDir),
      (s) => (s?.counters?.['profiling.batches_shipped'] ?? 0) > 0,
      10_000,
    );
    expect(status.ingestUrl).toBe(gatewayUrl);
    expect(status.counters['profiling.batches_shipped']).toBeGreaterThan(0);
    expect(status.counters['profiling.dropped']).toBe(0);
  });

  it("a batch under the other tenant's credential lands under that tenant, never under the first", async () => {
    // The tenant comes from the credential: an agent of the other tenant posting the same process is stored apart.
    const { encodeProfileBatch, ProfileEventType } = await import('@bathyscope/wire');
    const body = encodeProfileBatch({
      stream: 'cpu',
      seq: 1,
      startTimeUs: Date.now() * 1000,
      durationMs: 10_000,
      eventType: ProfileEventType.Cpu,
      dropped: 0,
      stacks: [{ frames: [`[jit]!JS:*otherTenantOnly_${runId}`] }],
      samples: [{ pid: 1, tid: 1, processName: 'x', stackIndex: 0, value: 5 }],
    });
    for (let i = 0; i < 2; i++) {
      // Sent twice: the retry is deduplicated by (agent, stream, seq).
      const res = await fetch(`${gatewayUrl}/v1/profiles`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.agent.token}`, 'content-type': 'application/x-protobuf' },
        body: Buffer.from(body),
      });
      expect(res.status, await res.text()).toBe(200);
    }
    const [mine] = await query<{ n: string }>(
      `SELECT count() AS n FROM bathyscope.profile_stacks WHERE tenant_id = {t:UInt32}
          AND arrayExists(f -> f LIKE {m:String}, frames)`,
      { t: tenant.tenantId, m: `%otherTenantOnly_${runId}%` },
    );
    expect(Number(mine?.n)).toBe(0);
    const [theirs] = await query<{ n: string; v: string }>(
      'SELECT count() AS n, sum(value) AS v FROM bathyscope.profile_samples WHERE tenant_id = {t:UInt32}',
      { t: other.tenantId },
    );
    expect([Number(theirs?.n), Number(theirs?.v)]).toEqual([1, 5]);
  });

  it('detaches cleanly on SIGTERM: the last interval is shipped and the perf events are gone', async () => {
    const before = readStatus(stateDir).counters['profiling.batches_shipped'];
    // Other stacks' agents on this host profile too: follow this agent's own program.
    const mine = profilePrograms(agent?.pid as number);
    expect(mine).toHaveLength(1);
    const code = await stop(agent);
    expect(code, agentLog.slice(-3000)).toBe(0);
    expect(profilePrograms()).not.toContain(mine[0]);
    const after = readStatus(stateDir).counters['profiling.batches_shipped'];
    expect(after).toBeGreaterThan(before);
  });
});
