import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentCheckinStatusSchema } from '@bathyscope/wire';
import Ajv from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentRuntime } from './agent-runtime';
import { exchangeEvents, RecordingBackend } from './capture/capture-test-kit';
import { TestGateway } from './checkin/gateway-test-kit';
import type { ResourceSample } from './config/self-monitor';
import { StaticCredential } from './credentials';

const validateStatus = new Ajv({ strict: true }).compile(agentCheckinStatusSchema);

/** A static credential that counts the 401s the agent reacted to. */
class CountingCredential extends StaticCredential {
  invalidations = 0;
  override invalidate(): void {
    this.invalidations++;
  }
}

let stateDir: string;
let gateways: TestGateway[];
let agents: AgentRuntime[];
/** What the agent measures about itself (driven by the spec, so other tests' load does not count). */
let usage: { cpuPercent: number; rssBytes: number };

beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-runtime-'));
  gateways = [];
  agents = [];
  usage = { cpuPercent: 1, rssBytes: 100 << 20 };
});
afterEach(async () => {
  for (const a of agents) await a.stop();
  for (const g of gateways) await g.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

async function gateway(): Promise<TestGateway> {
  const g = await TestGateway.start();
  gateways.push(g);
  return g;
}

async function agent(ingestUrl: string, credentials = new CountingCredential('bsa_1_xxxxxxxxxxxxxxxxxxxx')) {
  const backend = new RecordingBackend();
  const sampler = { sample: (): ResourceSample => ({ atMs: Date.now(), ...usage }) };
  const runtime = new AgentRuntime({ ingestUrl, credentials, stateDir, backend, sampler });
  agents.push(runtime);
  await runtime.start();
  return { runtime, backend, credentials };
}

const statusFile = () => JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'status.json'), 'utf8'));

async function until<T>(fn: () => T, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = fn();
  while (!ok(v)) {
    if (Date.now() > deadline) throw new Error(`timed out; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
    v = fn();
  }
  return v;
}

describe('AgentRuntime check-in', () => {
  it('checks in with a valid status, applies a published configuration live and reports it; then 304s', async () => {
    const g = await gateway();
    g.setConfig(0, (c) => (c.checkinIntervalSeconds = 1));
    const { backend } = await agent(g.url);
    const first = await g.waitForCheckin();
    expect(validateStatus(first.status), JSON.stringify(validateStatus.errors)).toBe(true);
    expect(first.ifNoneMatch).toBeUndefined();
    expect(first.authorization).toBe('Bearer bsa_1_xxxxxxxxxxxxxxxxxxxx');
    expect(first.status).toMatchObject({
      state: 'running',
      configVersion: 0,
      configError: null,
      capabilities: { programs: ['tracepoint/syscalls/sys_enter_read', 'tracepoint/syscalls/sys_exit_read'] },
    });
    expect(first.status.counters['shipper.rows_pending']).toBe(0);
    expect(first.status.resources).toEqual({ cpuPercent: expect.any(Number), rssBytes: expect.any(Number) });

    g.setConfig(4, (c) => {
      c.checkinIntervalSeconds = 1;
      c.collectors.l7Requests = false;
    });
    const applied = await g.waitForCheckin((c) => c.status.configVersion === 4);
    expect(applied.ifNoneMatch).toBe('"v4-g1"');
    expect(applied.status.capabilities.programs).toEqual([]);
    expect(applied.status.state).toBe('running');
    expect(backend.attached).toBe(false);
    expect(statusFile()).toMatchObject({ configVersion: 4, capabilities: { programs: [] } });
    const later = await g.waitForCheckin();
    expect([later.ifNoneMatch, later.answered]).toEqual(['"v4-g1"', 304]);
    // The stored configuration is what a restart runs.
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'config.json'), 'utf8'))).toMatchObject({
      configVersion: 4,
      etag: '"v4-g1"',
    });
  });

  it('refuses an invalid configuration, keeps running the old one and reports configError', async () => {
    const g = await gateway();
    g.setConfig(1, (c) => (c.checkinIntervalSeconds = 1));
    const { backend } = await agent(g.url);
    await g.waitForCheckin((c) => c.status.configVersion === 1);
    g.publish(2, { ...structuredClone(g.config as object), collectors: { l7Requests: 'no' } });
    const reported = await g.waitForCheckin((c) => c.status.configError !== null);
    expect(reported.status.configVersion).toBe(1);
    expect(reported.status.configError).toMatch(/^configuration version 2 refused: \/collectors\/l7Requests/);
    expect(backend.attached).toBe(true);
    expect(statusFile().configError).toBe(reported.status.configError);
  });

  it('on 401 drops the access token; on 403 AGENT_REVOKED stops capture, shipping and check-ins and says so', async () => {
    const g = await gateway();
    g.setConfig(1, (c) => (c.checkinIntervalSeconds = 1));
    const { runtime, backend, credentials } = await agent(g.url);
    await g.waitForCheckin((c) => c.status.configVersion === 1);
    g.override = () => ({ status: 401, body: { error: { code: 'TOKEN_EXPIRED', message: 'expired' } } });
    await g.waitForCheckin();
    await until(
      () => credentials.invalidations,
      (n) => n > 0,
    );

    backend.deliver(exchangeEvents(8080, ['/before-revoke']));
    g.override = () => ({ status: 403, body: { error: { code: 'AGENT_REVOKED', message: 'agent was revoked' } } });
    await g.waitForCheckin();
    const status = await until(statusFile, (s) => s.revoked === true);
    expect(status.state).toBe('paused');
    expect(status.capabilities.problems.join(' ')).toMatch(/revoked by the control plane.*re-enroll/);
    expect(backend.attached).toBe(false);
    expect(runtime.capturing).toBe(false);
    const seen = g.checkins.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(g.checkins.length).toBe(seen);
  });

  it('switches to the gateway the control plane assigns, pending rows included, and falls back when it dies', async () => {
    const a = await gateway();
    const b = await gateway();
    a.setConfig(1, (c) => (c.checkinIntervalSeconds = 1));
    a.l7Status = 503;
    const { runtime, backend } = await agent(a.url);
    await a.waitForCheckin((c) => c.status.configVersion === 1);
    backend.deliver(exchangeEvents(8080, ['/queued-while-a-refuses']));
    await until(
      () => runtime.status().counters['shipper.retries'] ?? 0,
      (n) => n > 0,
    );

    // Same configuration, another gateway: the ETag changes with it.
    a.gatewayId = 2;
    a.ingestUrl = b.url;
    b.publish(1, a.config, b.url);
    b.gatewayId = 2;
    const atB = await b.waitForCheckin();
    expect(atB.ifNoneMatch).toBe('"v1-g2"');
    expect(runtime.gateway).toBe(b.url);
    const rows = await until(
      () => b.rows,
      (r) => r.length === 2,
    );
    expect(rows.map((r) => r.path)).toEqual(['/queued-while-a-refuses', '/queued-while-a-refuses']);
    expect(a.rows).toHaveLength(0);

    // B goes away: after three failed check-ins the agent asks its bootstrap gateway again.
    await b.close();
    gateways = gateways.filter((g) => g !== b);
    a.ingestUrl = a.url;
    a.gatewayId = 1;
    await a.waitForCheckin(() => true, 15_000);
    expect(runtime.gateway).toBe(a.url);
  }, 30_000);

  it('over its memory budget pauses capture and moves its backlog to the disk spool, saying why', async () => {
    const g = await gateway();
    g.setConfig(1, (c) => {
      c.checkinIntervalSeconds = 1;
      c.limits.memoryMb = 256;
    });
    g.l7Status = 503;
    const { runtime, backend } = await agent(g.url);
    await g.waitForCheckin((c) => c.status.configVersion === 1);
    backend.deliver(exchangeEvents(8080, ['/a', '/b', '/c']));
    await until(
      () => runtime.status().counters['shipper.rows_queued'] ?? 0,
      (n) => n === 6,
    );
    usage.rssBytes = 300 << 20;
    const paused = await g.waitForCheckin((c) => c.status.state === 'paused');
    expect(paused.status.capabilities.problems.join(' ')).toMatch(/memory 300 MB is over its budget of 256 MB/);
    expect(paused.status.capabilities.programs).toEqual([]);
    // The backlog is on disk, not in memory: nothing had to be dropped for the budget.
    expect(paused.status.counters['spool.rows_pending']).toBe(6);
    expect(paused.status.counters['spool.rows_dropped']).toBe(0);
    expect(paused.status.counters['limits.spool_drops']).toBe(0);
    expect(paused.status.counters['limits.pauses']).toBe(1);
    expect(backend.attached).toBe(false);
  });
});
