import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeProfileBatch, INGEST_PROFILES_PATH, ProfileEventType } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';

/**
 * Profile flame graphs through GraphQL: folded stacks with known values go through the stack's real gateway
 * (`/v1/profiles`, the agent's wire format), are summed by stack in ClickHouse and folded into a tree by the API;
 * totals and node values must be exact, and the diff normalised by totals. Then the stack's own agent profiles a
 * real busy process with eBPF and its hot function must show in the flame graph query.
 */
const stack = inject('stack');

const PROFILE_QUERY = `
  query Profile($timeRange: TimeRangeInput!, $filter: ProfileFilterInput, $maxNodes: Int) {
    profile(timeRange: $timeRange, filter: $filter, maxNodes: $maxNodes) {
      total stacks truncated
      nodes { id parentId name depth value selfValue other }
      topFunctions { name selfValue totalValue }
    }
  }`;

const DIFF_QUERY = `
  query Diff($base: ProfileSelectionInput!, $comparison: ProfileSelectionInput!) {
    profileDiff(base: $base, comparison: $comparison) {
      total baseTotal truncated
      nodes { id parentId name depth value baseValue selfValue baseSelfValue delta other }
      topFunctions { name selfValue baseSelfValue }
    }
  }`;

interface Node {
  id: number;
  parentId: number;
  name: string;
  depth: number;
  value: number;
  selfValue: number;
  other: boolean;
  baseValue?: number;
  baseSelfValue?: number;
  delta?: number;
}
interface ProfileAnswer {
  total: number;
  stacks: number;
  truncated: boolean;
  nodes: Node[];
  topFunctions: { name: string; selfValue: number; totalValue: number }[];
}

/** Node by its root-first path, e.g. `root/main/mid`. */
function byPath(nodes: Node[]): Map<string, Node> {
  const ids = new Map(nodes.map((n) => [n.id, n]));
  const pathOf = (n: Node): string => {
    const parent = ids.get(n.parentId);
    return parent ? `${pathOf(parent)}/${n.name}` : n.name;
  };
  return new Map(nodes.map((n) => [pathOf(n), n]));
}

describe('profile flame graphs through GraphQL', () => {
  const run = randomBytes(3).toString('hex');
  const proc = `h3prof-${run}`;
  const now = Date.now();
  // Two adjacent windows in the past: the base and the comparison of the diff.
  const baseRange = { from: new Date(now - 10 * 60_000).toISOString(), to: new Date(now - 5 * 60_000).toISOString() };
  const compRange = { from: new Date(now - 5 * 60_000).toISOString(), to: new Date(now + 60_000).toISOString() };
  const wholeRange = { from: baseRange.from, to: compRange.to };
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const sa = new GraphQLSession(stack.apiUrl);
  const sb = new GraphQLSession(stack.apiUrl);
  let seq = 0;
  /** A viewer of tenant A whose policy allows only namespace payments (made by the policy test). */
  const viewer = new GraphQLSession(stack.apiUrl);

  async function ship(
    token: string,
    startMs: number,
    stacks: string[][],
    samples: { stack: number; value: number; pid?: number; podUid?: string; containerId?: string }[],
    processName = proc,
  ) {
    const body = encodeProfileBatch({
      stream: `cpu-${run}`,
      seq: ++seq,
      startTimeUs: startMs * 1000,
      durationMs: 10_000,
      eventType: ProfileEventType.Cpu,
      dropped: 0,
      stacks: stacks.map((frames) => ({ frames })),
      samples: samples.map((s) => ({
        pid: s.pid ?? 4242,
        tid: s.pid ?? 4242,
        processName,
        stackIndex: s.stack,
        value: s.value,
        // As the agent reads them from the process's cgroup; the gateway tags the sample with the pod's namespace.
        podUid: s.podUid,
        containerId: s.containerId,
        processStartTime: s.podUid ? (s.pid ?? 4242) * 1000 : undefined,
      })),
    });
    const res = await fetch(`${stack.ingestUrl}${INGEST_PROFILES_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
      body: new Uint8Array(body),
    });
    expect(res.status, await res.text()).toBe(200);
  }

  const profile = async (s: GraphQLSession, timeRange: unknown, filter: Record<string, unknown>, maxNodes?: number) =>
    (await ok(s.request(PROFILE_QUERY, { timeRange, filter, maxNodes }))).profile as ProfileAnswer;

  beforeAll(async () => {
    a = await createTenantWithAgent('prof-a');
    b = await createTenantWithAgent('prof-b');
    await sa.login(a.email, a.password, a.slug);
    await sb.login(b.email, b.password, b.slug);
    // Frames are leaf first, as the agent sends them.
    const frames = [['leafA', 'mid', 'main'], ['leafB', 'mid', 'main'], ['main'], ['leafC', 'main']];
    // Base window: 50 + 30 + 20 = 100, over two samples of one stack (summed in ClickHouse).
    await ship(a.agent.token, now - 8 * 60_000, frames, [
      { stack: 0, value: 20 },
      { stack: 0, value: 30 },
      { stack: 1, value: 30 },
      { stack: 2, value: 20 },
    ]);
    // Comparison window: 20 + 120 + 40 + 20 = 200 (twice the base total).
    await ship(a.agent.token, now - 2 * 60_000, frames, [
      { stack: 0, value: 20 },
      { stack: 1, value: 120 },
      { stack: 2, value: 40 },
      { stack: 3, value: 20 },
    ]);
    // Another pid of the same process name, only in the comparison window.
    await ship(a.agent.token, now - 2 * 60_000, [['leafOther', 'main']], [{ stack: 0, value: 7, pid: 5151 }]);
    // Many small leaves of a third pid: enough distinct frames for the node limit to cut.
    const wide = Array.from({ length: 15 }, (_, i) => [`wide${i}`, 'main']);
    await ship(
      a.agent.token,
      now - 2 * 60_000,
      wide,
      wide.map((_, i) => ({ stack: i, value: 1, pid: 6161 })),
    );
    // Tenant B posts the same process and frames with other values: never part of A's answers.
    await ship(b.agent.token, now - 2 * 60_000, frames, [{ stack: 0, value: 999 }]);
  });

  it('folds the stacks of a selection into an exact tree, with top functions', async () => {
    const p = await eventually(
      () => profile(sa, baseRange, { process: proc }),
      (r) => r.total >= 100,
    );
    expect(p).toMatchObject({ total: 100, stacks: 3, truncated: false });
    const tree = byPath(p.nodes);
    expect(tree.get('root')).toMatchObject({ value: 100, selfValue: 0, parentId: -1, depth: 0 });
    expect(tree.get('root/main')).toMatchObject({ value: 100, selfValue: 20, depth: 1 });
    expect(tree.get('root/main/mid')).toMatchObject({ value: 80, selfValue: 0 });
    expect(tree.get('root/main/mid/leafA')).toMatchObject({ value: 50, selfValue: 50, depth: 3 });
    expect(tree.get('root/main/mid/leafB')).toMatchObject({ value: 30, selfValue: 30 });
    expect(p.nodes).toHaveLength(5);
    expect(p.topFunctions.slice(0, 3)).toEqual([
      { name: 'leafA', selfValue: 50, totalValue: 50 },
      { name: 'leafB', selfValue: 30, totalValue: 30 },
      { name: 'main', selfValue: 20, totalValue: 100 },
    ]);

    // The pid filter narrows to one process; both windows together sum every sample.
    const whole = await profile(sa, wholeRange, { process: proc });
    expect(whole.total).toBe(322);
    expect((await profile(sa, wholeRange, { process: proc, pid: 5151 })).total).toBe(7);
    expect((await profile(sa, wholeRange, { process: proc, pid: 4242 })).total).toBe(300);
  });

  it('bounds the tree: past maxNodes the rest is merged into "other" and the sums still hold', async () => {
    // 22 distinct frames in the whole range; 10 nodes keep the largest.
    const p = await profile(sa, wholeRange, { process: proc }, 10);
    expect(p.total).toBe(322);
    expect(p.truncated).toBe(true);
    const real = p.nodes.filter((n) => !n.other);
    expect(real).toHaveLength(10);
    const tree = byPath(p.nodes);
    expect(tree.get('root')?.value).toBe(322);
    expect(tree.get('root/main/mid/leafB')?.value).toBe(150);
    const other = tree.get('root/main/[other]');
    expect(other?.other).toBe(true);
    expect(other?.value).toBeGreaterThan(0);
    const childSum = new Map<number, number>();
    for (const n of p.nodes) if (n.parentId >= 0) childSum.set(n.parentId, (childSum.get(n.parentId) ?? 0) + n.value);
    for (const n of p.nodes) expect(n.value).toBe(n.selfValue + (childSum.get(n.id) ?? 0));
    const bad = await sa.request(PROFILE_QUERY, { timeRange: wholeRange, filter: {}, maxNodes: 5 });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('diffs two ranges into one tree with both values, normalised by the totals', async () => {
    const d = (
      await ok(
        sa.request(DIFF_QUERY, {
          base: { timeRange: baseRange, filter: { process: proc, pid: 4242 } },
          comparison: { timeRange: compRange, filter: { process: proc, pid: 4242 } },
        }),
      )
    ).profileDiff as { total: number; baseTotal: number; nodes: Node[] };
    expect([d.total, d.baseTotal]).toEqual([200, 100]);
    const tree = byPath(d.nodes);
    // Comparison total is twice the base: the base is scaled by 2 before subtracting.
    expect(tree.get('root/main/mid/leafA')).toMatchObject({ value: 20, baseValue: 50, delta: 20 - 100 });
    expect(tree.get('root/main/mid/leafB')).toMatchObject({ value: 120, baseValue: 30, delta: 120 - 60 });
    expect(tree.get('root/main')).toMatchObject({ value: 200, baseValue: 100, selfValue: 40, delta: 0 });
    expect(tree.get('root/main/leafC')).toMatchObject({ value: 20, baseValue: 0, delta: 20 });
    expect(tree.get('root')).toMatchObject({ value: 200, baseValue: 100 });
  });

  it("never shows one tenant's profiles to another", async () => {
    const seenByB = await eventually(
      () => profile(sb, wholeRange, { process: proc }),
      (r) => r.total >= 999,
    );
    expect(seenByB.total).toBe(999);
    expect(seenByB.nodes.map((n) => n.name)).not.toContain('leafB');
    expect((await profile(sa, wholeRange, { process: proc })).total).toBe(322);
    const sources = (
      await ok(
        sb.request('query($t: TimeRangeInput!) { profileSources(timeRange: $t) { processes } }', { t: wholeRange }),
      )
    ).profileSources;
    expect(sources.processes).toEqual([proc]);
  });

  it('applies telemetry policies: a viewer allowed only namespace payments sees none of the unnamespaced samples', async () => {
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const password = randomBytes(12).toString('hex');
    const member = await provisionTenant(testPrisma(), {
      slug: a.slug,
      name: a.slug,
      email: `viewer-${a.slug}@example.test`,
      password,
      role: 'viewer',
    });
    await ok(
      sa.request('mutation($i: PolicyInput!) { createPolicy(input: $i) { id } }', {
        i: {
          name: 'payments only',
          effect: 'DENY',
          actions: ['read'],
          resources: ['Request'],
          roles: ['viewer'],
          conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
        },
      }),
    );
    await viewer.login(member.email, password, a.slug);
    // These samples come from a process outside any namespace: not payments, so hidden from the viewer.
    const seen = await profile(viewer, wholeRange, { process: proc });
    expect(seen).toMatchObject({ total: 0, stacks: 0 });
    expect(seen.nodes.map((n) => n.name)).toEqual(['root']);
    const diff = (
      await ok(
        viewer.request(DIFF_QUERY, {
          base: { timeRange: baseRange, filter: { process: proc } },
          comparison: { timeRange: compRange, filter: { process: proc } },
        }),
      )
    ).profileDiff;
    expect([diff.total, diff.baseTotal]).toEqual([0, 0]);
    const sources = (
      await ok(
        viewer.request('query($t: TimeRangeInput!) { profileSources(timeRange: $t) { processes } }', { t: wholeRange }),
      )
    ).profileSources;
    expect(sources.processes).toEqual([]);
    // The owner is not bound by the viewer's policy.
    expect((await profile(sa, wholeRange, { process: proc })).total).toBe(322);
  });

  it('tags samples of processes in pods with their namespace: a payments-only viewer sees payments, nothing else', async () => {
    const payUid = 'a1f0c3d2-4b5e-4f60-8a71-92b3c4d5e6f7';
    const shopUid = 'b2e1d4c3-5a6f-4071-9b82-a3c4d5e6f708';
    const inventory = [
      { kind: 'namespace', externalId: 'payments', name: 'payments' },
      { kind: 'namespace', externalId: 'shop', name: 'shop' },
      {
        kind: 'workload',
        externalId: 'payments/api',
        name: 'pay-api',
        parent: { kind: 'namespace', externalId: 'payments' },
      },
      { kind: 'workload', externalId: 'shop/web', name: 'shop-web', parent: { kind: 'namespace', externalId: 'shop' } },
      { kind: 'pod', externalId: payUid, name: 'pay-api-1', parent: { kind: 'workload', externalId: 'payments/api' } },
      { kind: 'pod', externalId: shopUid, name: 'shop-web-1', parent: { kind: 'workload', externalId: 'shop/web' } },
    ];
    const connector = (
      await ok(
        sa.request('mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }', {
          i: {
            kind: 'file',
            name: 'profile-inventory',
            config: { format: 'json', content: JSON.stringify(inventory) },
            intervalSeconds: 3600,
          },
        }),
      )
    ).createConnector.id as string;
    try {
      const status = await eventually(
        async () => (await ok(sa.request(`{ connector(id: "${connector}") { lastSuccessAt lastError } }`))).connector,
        (c) => Boolean(c.lastSuccessAt) || Boolean(c.lastError),
        30_000,
      );
      expect(status.lastError).toBeNull();
      const payProc = `${proc}-pay`;
      const shopProc = `${proc}-shop`;
      const container = (uid: string) => uid.replaceAll('-', '').padEnd(64, '0');
      const at = now - 2 * 60_000;
      await ship(
        a.agent.token,
        at,
        [['payLeaf', 'payMain']],
        [{ stack: 0, value: 40, pid: 7101, podUid: payUid, containerId: container(payUid) }],
        payProc,
      );
      await ship(
        a.agent.token,
        at,
        [['shopLeaf', 'shopMain']],
        [{ stack: 0, value: 60, pid: 7102, podUid: shopUid, containerId: container(shopUid) }],
        shopProc,
      );
      // Tenant B sends the same pod UID: in B it is a pod of its own, in no namespace.
      await ship(
        b.agent.token,
        at,
        [['payLeaf', 'payMain']],
        [{ stack: 0, value: 5, pid: 7101, podUid: payUid }],
        payProc,
      );

      // Names reach ClickHouse's dictionary within a minute; policies and name filters read them.
      const paySeen = await eventually(
        () => profile(viewer, wholeRange, {}),
        (r) => r.total >= 40,
        90_000,
      );
      // Everything this viewer can see in tenant A: the payments pod's samples, none of shop's, none unnamespaced.
      expect(paySeen.total).toBe(40);
      const names = paySeen.nodes.map((n) => n.name);
      expect(names).toContain('payLeaf');
      expect(names).not.toContain('shopLeaf');
      expect(names).not.toContain('leafA');
      expect((await profile(viewer, wholeRange, { process: shopProc })).total).toBe(0);
      expect((await profile(viewer, wholeRange, { namespace: 'shop' })).total).toBe(0);
      const sources = (
        await ok(
          viewer.request('query($t: TimeRangeInput!) { profileSources(timeRange: $t) { processes } }', {
            t: wholeRange,
          }),
        )
      ).profileSources;
      expect(sources.processes).toEqual([payProc]);
      // The owner sees both namespaces, each under its own name, workload and pod.
      expect((await profile(sa, wholeRange, { namespace: 'payments' })).total).toBe(40);
      expect((await profile(sa, wholeRange, { namespace: 'shop' })).total).toBe(60);
      expect((await profile(sa, wholeRange, { pod: 'shop-web-1' })).total).toBe(60);
      // Tenant isolation: B's sample with the same pod UID stays B's and is in no namespace there.
      expect((await profile(sb, wholeRange, { process: payProc })).total).toBe(5);
      expect((await profile(sb, wholeRange, { namespace: 'payments' })).total).toBe(0);
      expect((await profile(sa, wholeRange, { process: payProc })).total).toBe(40);
    } finally {
      await sa.request(`mutation { deleteConnector(id: "${connector}") { id } }`);
    }
  }, 150_000);

  it('treats injection strings in filters as plain values and refuses bad input precisely', async () => {
    for (const evil of ["x' OR 1=1 --", "') OR tenant_id != 0 --", '{tenant_id:UInt32}', "main'); DROP TABLE x; --"]) {
      for (const key of ['service', 'process', 'pod', 'host', 'namespace']) {
        const p = await profile(sa, wholeRange, { [key]: evil });
        expect(p.total, `${key}=${evil}`).toBe(0);
      }
    }
    const bad = async (vars: Record<string, unknown>) =>
      (await sa.request(PROFILE_QUERY, { timeRange: wholeRange, ...vars })).errors?.[0]?.extensions?.code;
    expect(await bad({ filter: { eventType: 'bogus' } })).toBe('BAD_USER_INPUT');
    expect(await bad({ filter: { pid: -1 } })).toBe('BAD_USER_INPUT');
    expect(await bad({ filter: { service: 'x'.repeat(300) } })).toBe('BAD_USER_INPUT');
    expect(await bad({ timeRange: { from: wholeRange.to, to: wholeRange.from } })).toBe('BAD_USER_INPUT');
    const anonymous = await new GraphQLSession(stack.apiUrl).request(PROFILE_QUERY, { timeRange: wholeRange });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  describe('with the real eBPF profiler', () => {
    const root = path.resolve(__dirname, '..', '..');
    const busyLoop = path.join(root, 'apps', 'agent', 'src', 'profiling', 'fixtures', 'busy-loop.cjs');
    let busy: ChildProcess | undefined;

    afterAll(() => {
      busy?.kill('SIGKILL');
      if (busy?.pid) fs.rmSync(`/tmp/perf-${busy.pid}.map`, { force: true });
    });

    it("shows a busy process's hot function in the flame graph of the stack's agent tenant", async (ctx) => {
      if (!stack.agentCapturing) ctx.skip();
      busy = spawn(process.execPath, ['--perf-basic-prof', '--no-turbo-inlining', busyLoop, '90'], {
        stdio: 'ignore',
        cwd: os.tmpdir(),
      });
      const pid = busy.pid as number;
      const demo = new GraphQLSession(stack.apiUrl);
      await demo.login(stack.demo.email, stack.demo.password, stack.demo.tenant);
      const range = () => ({
        from: new Date(Date.now() - 5 * 60_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      });
      const hot = (p: ProfileAnswer) => p.nodes.find((n) => n.name.includes('bathyscopeBusyJs'));
      // The agent ships every 10 s; the first interval may end before V8 has written the function's map line.
      const p = await eventually(
        () => profile(demo, range(), { pid }),
        (r) => (hot(r)?.value ?? 0) >= 100,
        80_000,
      );
      const node = hot(p) as Node;
      expect(node.value, JSON.stringify(p.topFunctions.slice(0, 5))).toBeGreaterThanOrEqual(100);
      // The hot function dominates what that process did, and leads the top functions by self value.
      expect(node.value / p.total).toBeGreaterThan(0.5);
      expect(p.topFunctions[0]?.name).toContain('bathyscopeBusyJs');
    }, 120_000);
  });
});
