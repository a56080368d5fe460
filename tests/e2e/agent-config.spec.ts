import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SOCKET_TRACER_PROGRAMS, tlsProgramNames } from '@bathyscope/native';
import { type AgentConfig, DEFAULT_AGENT_CONFIG } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, ok, type RequestNode } from '../kit/graphql-client';
import { curl, startHttpTarget } from '../kit/http-target';

/**
 * Live agent configuration end to end: a real agent process (enrolled with the CLI, real eBPF) checks in with the
 * real gateway; a group configuration set through GraphQL reaches it within its check-in interval and changes what
 * reaches the request log, without a restart. The kernel is asked directly whether the tracer is attached.
 */
const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

// biome-ignore lint/suspicious/noExplicitAny: responses of many shapes are navigated in assertions
type Loose = any;

const root = path.resolve(__dirname, '..', '..');
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [agentMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** BPF programs the process holds open, as the kernel sees them (root reads any process's fd table). */
function bpfProgramFds(pid: number): number {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf-prog') n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Sizes of the BPF ring buffers the process holds (fdinfo of each bpf-map fd: map_type 27 is BPF_MAP_TYPE_RINGBUF). */
function ringBufferSizes(pid: number): number[] {
  const sizes: number[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-map') continue;
      const info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      if (/^map_type:\s*27$/m.test(info)) sizes.push(Number(/^max_entries:\s*(\d+)$/m.exec(info)?.[1]));
    } catch {
      // closed while listing
    }
  }
  return sizes;
}

const config = (patch: (c: AgentConfig) => void = () => {}): AgentConfig => {
  const c = structuredClone(DEFAULT_AGENT_CONFIG);
  c.checkinIntervalSeconds = 2;
  // The programs checked here are the socket tracer's; the profiler's perf event and the L4 flow tracepoints have
  // switches of their own.
  c.profiling = { enabled: false, frequencyHz: 99, intervalSeconds: 10 };
  c.l4 = { enabled: false, intervalSeconds: 60 };
  patch(c);
  return c;
};

describe.skipIf(skipEbpf)('live agent configuration (real agent process, gateway, GraphQL and eBPF)', () => {
  let owner: GraphQLSession;
  let groupId: string;
  let stateDir: string;
  let agentId: number;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let a: Awaited<ReturnType<typeof startHttpTarget>>;
  let b: Awaited<ReturnType<typeof startHttpTarget>>;
  const runId = randomBytes(4).toString('hex');

  const statusFile = () => path.join(stateDir, 'agent', 'status.json');
  const readStatus = (): Loose => {
    try {
      return JSON.parse(fs.readFileSync(statusFile(), 'utf8'));
    } catch {
      return null;
    }
  };

  /** What the tracer attaches on this machine (set by the first test, from the agent's TLS report). */
  let tracerPrograms: string[] = [...SOCKET_TRACER_PROGRAMS];
  const agentNode = async () =>
    (
      await ok(
        owner.request(
          `{ agent(id: ${agentId}) { configVersion desiredConfigVersion configError programs state cpuPercent rssBytes ingestUrl } }`,
        ),
      )
    ).agent;

  /** Publishes a group configuration; returns its version. */
  const publish = async (c: AgentConfig, comment: string): Promise<number> =>
    (
      await ok(
        owner.request(
          'mutation($g: ID!, $c: JSON!, $m: String) { updateAgentGroupConfig(groupId: $g, config: $c, comment: $m) { version } }',
          { g: groupId, c, m: comment },
        ),
      )
    ).updateAgentGroupConfig.version;

  /** Waits until the running agent reports `version`; returns how long that took. */
  const applied = async (version: number, timeoutMs = 15_000): Promise<number> => {
    const started = Date.now();
    const status = await eventually(
      async () => readStatus(),
      (s) => s?.configVersion === version,
      timeoutMs,
    );
    expect(status?.configVersion, `agent log:\n${agentLog.slice(-3000)}`).toBe(version);
    expect(status.configError).toBeNull();
    return Date.now() - started;
  };

  function startAgent(): void {
    agentLog = '';
    agent = spawn(process.execPath, [agentMain, 'run', '--state-dir', stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BATHYSCOPE_INGEST_URL: '' },
    });
    agent.stdout?.on('data', (c: Buffer) => (agentLog += c.toString()));
    agent.stderr?.on('data', (c: Buffer) => (agentLog += c.toString()));
  }

  async function stopAgent(): Promise<void> {
    const child = agent;
    agent = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** Requests to a target whose rows (from our agent only) carry `marker` in their path. */
  const traffic = (port: number, marker: string, n = 5) =>
    curl(Array.from({ length: n }, (_, i) => `http://127.0.0.1:${port}/cfg-${runId}/${marker}/${i}`));
  const rowsOf = (marker: string): Promise<RequestNode[]> =>
    allRequests(owner, { pathContains: `/cfg-${runId}/${marker}/` }).then((r) =>
      r.filter((x) => x.agentId === agentId),
    );

  beforeAll(async () => {
    if (!stack.agentCapturing) {
      throw new Error(`the stack's agent is not capturing with eBPF: ${stack.agentProblems.join('; ')}`);
    }
    const t = await createTenantWithAgent('agent-config');
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(t.email, t.password);
    groupId = (await ok(owner.request('mutation { createAgentGroup(input: { name: "live" }) { id } }')))
      .createAgentGroup.id;
    // The agent learns the 2 s interval at its first check-in, so every later change arrives within ~2 s.
    expect(await publish(config(), 'fast check-ins')).toBe(1);
    const token = (
      await ok(
        owner.request('mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { token } }', {
          i: { name: 'live config', groupId, expiresAt: inDays(1), maxUses: 1 },
        }),
      )
    ).createEnrollmentToken.token as string;
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-agent-config-'));
    const enrolled = await run(['enroll', '--token', token, '--server', stack.ingestUrl, '--state-dir', stateDir]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agentId = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8')).agentId;
    [a, b] = await Promise.all([startHttpTarget(), startHttpTarget()]);
    startAgent();
    await applied(1, 30_000);
  });

  afterAll(async () => {
    await stopAgent();
    await a?.stop();
    await b?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs its group configuration: version, attached programs (also per the kernel), resources in GraphQL', async () => {
    const node = await eventually(agentNode, (n) => n.configVersion === 1);
    expect(node).toMatchObject({
      configVersion: 1,
      desiredConfigVersion: 1,
      configError: null,
      state: 'ONLINE',
    });
    // The socket tracer's programs, with its OpenSSL uprobes when a libssl was found to attach them to.
    const library = readStatus().capabilities.tls?.library as string | null | undefined;
    tracerPrograms = [...SOCKET_TRACER_PROGRAMS, ...(library ? tlsProgramNames(library) : [])].sort();
    const expected = tracerPrograms;
    // The L4 flow tracepoints the agent attached before its first check-in go within a second of it.
    const attached = await eventually(agentNode, (n) => n.programs.length === expected.length);
    expect([...attached.programs].sort()).toEqual(expected);
    expect(node.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(node.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(bpfProgramFds(agent?.pid as number)).toBe(expected.length);

    traffic(a.port, 'v1');
    const rows = await eventually(
      () => rowsOf('v1'),
      (r) => r.length >= 10,
    );
    expect(rows.filter((r) => r.side === 'server')).toHaveLength(5);
  });

  it('applies a server-port filter within its check-in interval: other ports stop reaching the request log', async () => {
    const version = await publish(
      config((c) => (c.protocols.http1.ports = [a.port])),
      `only ${a.port}`,
    );
    // 2 s check-in interval (± 10 %) + the gateway's 2 s configuration cache, with room for a busy machine.
    expect(await applied(version)).toBeLessThan(8_000);
    traffic(a.port, 'kept');
    traffic(b.port, 'filtered');
    const kept = await eventually(
      () => rowsOf('kept'),
      (r) => r.length >= 10,
    );
    expect(new Set(kept.map((r) => r.serverPort))).toEqual(new Set([a.port]));
    // Rows of the same moment to the other port would have arrived by now (the shipper flushes every second).
    await sleep(3000);
    expect(await rowsOf('filtered')).toEqual([]);
    const status = readStatus();
    expect(status.counters['l7.filtered_port']).toBeGreaterThanOrEqual(10);
    const node = await eventually(agentNode, (n) => n.configVersion === version);
    expect(node.configVersion).toBe(version);
  });

  it('collectors.l7Requests: false detaches the tracer (the kernel agrees) and nothing is recorded; true resumes', async () => {
    const off = await publish(
      config((c) => (c.collectors.l7Requests = false)),
      'capture off',
    );
    await applied(off);
    expect(readStatus().capabilities.programs).toEqual([]);
    expect(bpfProgramFds(agent?.pid as number)).toBe(0);
    const node = await eventually(agentNode, (n) => n.configVersion === off);
    expect(node.programs).toEqual([]);
    expect(node.state).toBe('ONLINE');

    traffic(a.port, 'while-off');
    await sleep(4000);
    expect(await rowsOf('while-off')).toEqual([]);

    const on = await publish(config(), 'capture on');
    await applied(on);
    expect(bpfProgramFds(agent?.pid as number)).toBe(tracerPrograms.length);
    traffic(b.port, 'back-on');
    const rows = await eventually(
      () => rowsOf('back-on'),
      (r) => r.length >= 10,
    );
    expect(rows.every((r) => r.serverPort === b.port)).toBe(true);
  });

  it('ebpf.ringBufferMb reloads the tracer with a kernel ring of that size; a size that is no power of two is refused', async () => {
    const pid = agent?.pid as number;
    expect(ringBufferSizes(pid)).toEqual([8 << 20]); // the default, while only the socket tracer runs
    const bigger = await publish(
      config((c) => (c.ebpf = { ringBufferMb: 32 })),
      '32 MiB ring',
    );
    await applied(bigger);
    expect(
      await eventually(
        async () => ringBufferSizes(pid),
        (s) => s[0] === 32 << 20,
      ),
    ).toEqual([32 << 20]);
    expect(bpfProgramFds(pid)).toBe(tracerPrograms.length);
    traffic(a.port, 'big-ring');
    const rows = await eventually(
      () => rowsOf('big-ring'),
      (r) => r.length >= 10,
    );
    expect(rows.filter((r) => r.side === 'server')).toHaveLength(5);

    const refused = await owner.request(
      'mutation($g: ID!, $c: JSON!) { updateAgentGroupConfig(groupId: $g, config: $c) { version } }',
      { g: groupId, c: config((c) => (c.ebpf = { ringBufferMb: 3 })) },
    );
    expect(refused.errors?.[0]?.message).toContain(
      '/ebpf/ringBufferMb: must be one of 1, 2, 4, 8, 16, 32, 64, 128, 256',
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(readStatus().configVersion).toBe(bigger); // the agent still runs the last valid version
  });

  it('restarts with the stored configuration before any check-in', async () => {
    const version = await publish(
      config((c) => (c.sampling.l7Rate = 0)),
      'sample nothing',
    );
    await applied(version);
    await stopAgent();
    const stored = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'config.json'), 'utf8'));
    expect(stored).toMatchObject({ configVersion: version, config: { sampling: { l7Rate: 0 } } });
    fs.rmSync(statusFile());
    startAgent();
    const first = await eventually(
      async () => readStatus(),
      (s) => s !== null,
      30_000,
    );
    expect(first.configVersion).toBe(version);
    // It checked in with the stored configuration's ETag: the gateway had nothing new to say.
    const checkedIn = await eventually(
      async () => readStatus(),
      (s) => s?.lastCheckin !== null,
      10_000,
    );
    expect(checkedIn.lastCheckin).toMatchObject({ outcome: 'unchanged', error: null });
    traffic(a.port, 'sampled-out', 10);
    await sleep(4000);
    expect(await rowsOf('sampled-out')).toEqual([]);
    // Left out before parsing: each of the 10 requests is at least 4 events (write and read on either side).
    expect(readStatus().counters['l7.events_sampled_out']).toBeGreaterThanOrEqual(40);
  });
});
