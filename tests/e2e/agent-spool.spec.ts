import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_AGENT_CONFIG } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, ok, type RequestNode } from '../kit/graphql-client';
import { curl, startHttpTarget } from '../kit/http-target';

/**
 * The agent's disk spool end to end: a real agent process (enrolled with the CLI, real eBPF) captures numbered
 * requests while its gateway is unreachable, is killed with SIGKILL, and restarted with the real gateway
 * reachable: every request reaches the request log exactly once. Losses to the spool's bounds are counted,
 * survive the crash and reach GraphQL through check-in.
 */
const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

// biome-ignore lint/suspicious/noExplicitAny: responses of many shapes are navigated in assertions
type Loose = any;

const root = path.resolve(__dirname, '..', '..');
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loopback port where nothing listens: the gateway "is down". */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [agentMain, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(skipEbpf)('agent spool: offline, kill -9, replay (real agent process, gateway and eBPF)', () => {
  let owner: GraphQLSession;
  let stateDir: string;
  let agentId: number;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let target: Awaited<ReturnType<typeof startHttpTarget>>;
  const runId = randomBytes(4).toString('hex');

  const readStatus = (): Loose => {
    try {
      return JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'status.json'), 'utf8'));
    } catch {
      return null;
    }
  };
  const spoolFiles = () => fs.readdirSync(path.join(stateDir, 'agent', 'spool')).filter((f) => f.endsWith('.bsp'));

  function startAgent(extra: string[]): void {
    agentLog = '';
    fs.rmSync(path.join(stateDir, 'agent', 'status.json'), { force: true });
    agent = spawn(process.execPath, [agentMain, 'run', '--state-dir', stateDir, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BATHYSCOPE_INGEST_URL: '' },
    });
    agent.stdout?.on('data', (c: Buffer) => (agentLog += c.toString()));
    agent.stderr?.on('data', (c: Buffer) => (agentLog += c.toString()));
  }

  async function killAgent(signal: NodeJS.Signals): Promise<void> {
    const child = agent;
    agent = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** The agent is up and its tracer attached (per its status file). */
  async function capturing(): Promise<void> {
    const s = await eventually(
      async () => readStatus(),
      (x) => (x?.capabilities?.programs?.length ?? 0) > 0,
      30_000,
    );
    expect(s?.capabilities?.programs?.length, `agent log:\n${agentLog.slice(-3000)}`).toBeGreaterThan(0);
  }

  const rowsOf = (marker: string): Promise<RequestNode[]> =>
    allRequests(owner, { pathContains: `/spool-${runId}/${marker}/` }).then((r) =>
      r.filter((x) => x.agentId === agentId),
    );

  const counters = async (): Promise<Record<string, number>> => {
    const node = (await ok(owner.request(`{ agent(id: ${agentId}) { counters { name value } } }`))).agent;
    return Object.fromEntries(node.counters.map((c: { name: string; value: number }) => [c.name, c.value]));
  };

  beforeAll(async () => {
    if (!stack.agentCapturing) {
      throw new Error(`the stack's agent is not capturing with eBPF: ${stack.agentProblems.join('; ')}`);
    }
    const t = await createTenantWithAgent('agent-spool');
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(t.email, t.password);
    const groupId = (await ok(owner.request('mutation { createAgentGroup(input: { name: "spool" }) { id } }')))
      .createAgentGroup.id;
    await ok(
      owner.request('mutation($g: ID!, $c: JSON!) { updateAgentGroupConfig(groupId: $g, config: $c) { version } }', {
        g: groupId,
        c: { ...structuredClone(DEFAULT_AGENT_CONFIG), checkinIntervalSeconds: 2 },
      }),
    );
    const token = (
      await ok(
        owner.request('mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { token } }', {
          i: { name: 'spool', groupId, expiresAt: inDays(1), maxUses: 1 },
        }),
      )
    ).createEnrollmentToken.token as string;
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-agent-spool-'));
    const enrolled = await runCli(['enroll', '--token', token, '--server', stack.ingestUrl, '--state-dir', stateDir]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agentId = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8')).agentId;
    target = await startHttpTarget();
  });

  afterAll(async () => {
    await killAgent('SIGTERM');
    await target?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('captures while the gateway is unreachable, survives kill -9, and delivers every request exactly once', async () => {
    const n = 300;
    startAgent(['--ingest', `http://127.0.0.1:${await deadPort()}`]);
    await capturing();
    curl(Array.from({ length: n }, (_, i) => `http://127.0.0.1:${target.port}/spool-${runId}/offline/${i}`));
    const curlDone = Date.now();
    // Sealed into the spool within the 1 s flush interval; the status file (every 5 s) shows it.
    const spooled = await eventually(
      async () => readStatus(),
      (s) => Date.parse(s?.at ?? 0) > curlDone + 2000 && (s?.counters?.['spool.rows_pending'] ?? 0) >= 2 * n,
      20_000,
    );
    expect(spooled?.counters?.['spool.rows_pending'], `agent log:\n${agentLog.slice(-3000)}`).toBeGreaterThanOrEqual(
      2 * n,
    );
    expect(spooled.counters['shipper.rows_shipped']).toBe(0);
    expect(spooled.counters['shipper.retries']).toBeGreaterThan(0);
    await killAgent('SIGKILL');
    expect(spoolFiles().length).toBeGreaterThan(0);
    expect(await rowsOf('offline')).toEqual([]);

    // Back, with the enrolled (reachable) gateway.
    startAgent([]);
    await eventually(
      async () => agentLog,
      (l) => /rows recovered from the spool/.test(l),
      20_000,
    );
    const rows = await eventually(
      () => rowsOf('offline'),
      (r) => r.length >= 2 * n,
      60_000,
    );
    // Let any duplicate a replay could cause arrive before judging.
    await sleep(3000);
    const final = await rowsOf('offline');
    expect(rows.length, `agent log:\n${agentLog.slice(-3000)}`).toBe(2 * n);
    for (const side of ['server', 'client']) {
      const paths = final.filter((r) => r.side === side).map((r) => Number(r.path.split('/').pop()));
      expect(paths.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const reported = await eventually(
      counters,
      (c) => (c['spool.rows_recovered'] ?? 0) >= 2 * n && c['spool.rows_pending'] === 0,
      20_000,
    );
    expect(reported['spool.rows_recovered']).toBeGreaterThanOrEqual(2 * n);
    expect(reported['spool.rows_dropped']).toBe(0);
    expect(reported['spool.disk']).toBe(1);
  }, 180_000);

  it('a spool bound drops the oldest batches offline; the loss is counted, survives kill -9, reaches GraphQL', async () => {
    const n = 50;
    await killAgent('SIGTERM');
    // The gateway the control plane assigned (stored with the configuration) is now gone too.
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const configFile = path.join(stateDir, 'agent', 'config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, 'utf8')), ingestUrl: dead }),
    );
    startAgent(['--ingest', dead, '--spool-max-age', '2s']);
    await capturing();
    curl(Array.from({ length: n }, (_, i) => `http://127.0.0.1:${target.port}/spool-${runId}/expired/${i}`));
    // The age bound is checked every 5 s: within ~8 s the captured batches are over 2 s old and dropped.
    const dropped = await eventually(
      async () => readStatus(),
      (s) => (s?.counters?.['spool.rows_dropped_age'] ?? 0) >= 2 * n,
      30_000,
    );
    expect(
      dropped?.counters?.['spool.rows_dropped_age'],
      `agent log:\n${agentLog.slice(-3000)}`,
    ).toBeGreaterThanOrEqual(2 * n);
    expect(dropped.capabilities.problems.join(' ')).toMatch(/spool full: \d+ rows dropped/);
    await killAgent('SIGKILL');

    startAgent([]);
    const reported = await eventually(counters, (c) => (c['spool.rows_dropped_age'] ?? 0) >= 2 * n, 30_000);
    expect(reported['spool.rows_dropped']).toBeGreaterThanOrEqual(2 * n);
    expect(reported['spool.bytes_dropped']).toBeGreaterThan(0);
    const node = (await ok(owner.request(`{ agent(id: ${agentId}) { problems state } }`))).agent;
    expect(node.problems.join(' ')).toMatch(/spool full/);
    // Dropped means dropped: none of those requests reached the request log.
    await sleep(3000);
    expect(await rowsOf('expired')).toEqual([]);
  }, 120_000);
});
