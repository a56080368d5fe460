import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AgentConfig, DEFAULT_AGENT_CONFIG } from '@bathyscope/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapturePipeline } from '../capture/capture-pipeline';
import { CaptureSwitch } from '../capture/capture-switch';
import { RecordingBackend } from '../capture/capture-test-kit';
import { L7Shipper } from '../shipper/l7-shipper';
import { AgentConfigApplier } from './config-applier';
import { ConfigManager } from './config-manager';
import { ConfigStore } from './config-store';
import { SelfMonitor } from './self-monitor';

let stateDir: string;
let shippers: L7Shipper[] = [];

beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-config-'));
});
afterEach(async () => {
  for (const s of shippers) await s.close(10);
  shippers = [];
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** A manager over real parts (no eBPF: a recording capture backend), as the agent builds it at each start. */
function agentParts() {
  const pipeline = new CapturePipeline({ enqueue: () => {} });
  const shipper = new L7Shipper({ ingestUrl: 'http://127.0.0.1:9', token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx' });
  shippers.push(shipper);
  const backend = new RecordingBackend();
  const capture = new CaptureSwitch(
    backend,
    (e) => pipeline.onEvents(e),
    (open) => pipeline.setCapture(open),
  );
  const monitor = new SelfMonitor(DEFAULT_AGENT_CONFIG.limits);
  const applier = new AgentConfigApplier({ pipeline, shipper, capture, monitor });
  const manager = new ConfigManager(new ConfigStore(stateDir), applier);
  return { manager, pipeline, shipper, backend };
}

const custom: AgentConfig = {
  ...structuredClone(DEFAULT_AGENT_CONFIG),
  collectors: { l7Requests: false },
  protocols: { http1: { enabled: true, ports: [8080] } },
  spool: { maxPendingRows: 5000 },
  checkinIntervalSeconds: 2,
};

describe('ConfigManager', () => {
  it('starts with the built-in defaults as version 0 when nothing is stored', async () => {
    const { manager, backend, shipper } = agentParts();
    await manager.start();
    expect([manager.version, manager.etag, manager.configError]).toEqual([0, null, null]);
    expect(manager.config).toEqual(DEFAULT_AGENT_CONFIG);
    expect(backend.attached).toBe(true);
    expect(shipper.maxPendingRows).toBe(DEFAULT_AGENT_CONFIG.spool.maxPendingRows);
  });

  it('applies a valid answer, stores it atomically, and the next start runs it before any check-in', async () => {
    const first = agentParts();
    await first.manager.start();
    const r = first.manager.receive(
      { configVersion: 7, config: custom, ingestUrl: 'http://10.0.0.9:4001', etag: '"v7-gx"' },
      '"v7-g3"',
      'http://127.0.0.1:4001',
    );
    await r.settled;
    expect(r.accepted).toBe(true);
    expect(r.changed).toEqual([
      'collectors.l7Requests',
      'protocols.http1',
      'spool.maxPendingRows',
      'checkinIntervalSeconds',
    ]);
    expect(r.ingestUrl).toBe('http://10.0.0.9:4001');
    expect(first.backend.attached).toBe(false);
    expect([first.manager.version, first.manager.etag]).toEqual([7, '"v7-g3"']);

    const file = path.join(stateDir, 'agent', 'config.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['config.json']);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(stored).toMatchObject({
      configVersion: 7,
      config: custom,
      etag: '"v7-g3"',
      ingestUrl: 'http://10.0.0.9:4001',
    });

    const restarted = agentParts();
    await restarted.manager.start();
    expect([restarted.manager.version, restarted.manager.etag]).toEqual([7, '"v7-g3"']);
    expect(restarted.manager.assignedIngestUrl).toBe('http://10.0.0.9:4001');
    expect(restarted.backend.attaches).toBe(0);
    expect(restarted.shipper.maxPendingRows).toBe(5000);
  });

  it('refuses an invalid configuration as a whole: keeps the one in force and says why', async () => {
    const { manager, backend, shipper } = agentParts();
    await manager.start();
    await manager.receive(
      { configVersion: 3, config: custom, ingestUrl: 'http://127.0.0.1:4001' },
      '"v3-g1"',
      'http://127.0.0.1:4001',
    ).settled;
    expect(backend.attached).toBe(false);
    const bad = {
      ...custom,
      collectors: { l7Requests: true },
      sampling: { l7Rate: 2 },
      spool: { maxPendingRows: 10 },
      extra: 1,
    };
    const r = manager.receive(
      { configVersion: 4, config: bad, ingestUrl: 'http://127.0.0.1:4001' },
      '"v4-g1"',
      'http://127.0.0.1:4001',
    );
    expect(r.accepted).toBe(false);
    expect([manager.version, manager.etag, manager.refused]).toEqual([3, '"v3-g1"', 1]);
    expect(manager.configError).toMatch(/^configuration version 4 refused: /);
    expect(manager.configError).toContain('/: unknown field "extra"');
    expect(manager.configError).toContain('/sampling/l7Rate');
    expect(manager.configError).toContain('/spool/maxPendingRows');
    // Nothing of version 4 leaked into the running agent.
    expect([backend.attached, shipper.maxPendingRows]).toEqual([false, 5000]);
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'config.json'), 'utf8')).configVersion).toBe(3);

    for (const body of [null, 'x', { config: custom }, { configVersion: -1, config: custom }]) {
      expect(manager.receive(body, null, 'http://127.0.0.1:4001').accepted).toBe(false);
    }
    expect(manager.refused).toBe(5);
    // The next good answer clears the error.
    manager.receive(
      { configVersion: 5, config: custom, ingestUrl: 'http://127.0.0.1:4001' },
      '"v5-g1"',
      'http://127.0.0.1:4001',
    );
    expect([manager.version, manager.configError]).toEqual([5, null]);
  });

  it('ignores an answer without a usable ingestUrl for the gateway, and reports no move to the same gateway', () => {
    const { manager } = agentParts();
    const r1 = manager.receive(
      { configVersion: 1, config: custom, ingestUrl: 'ftp://x' },
      null,
      'http://127.0.0.1:4001',
    );
    expect([r1.accepted, r1.ingestUrl, manager.assignedIngestUrl]).toEqual([true, null, null]);
    const r2 = manager.receive(
      { configVersion: 1, config: custom, ingestUrl: 'http://127.0.0.1:4001/' },
      null,
      'http://127.0.0.1:4001',
    );
    expect(r2.ingestUrl).toBeNull();
  });

  it('runs the defaults and says so when the stored file is corrupt or invalid', async () => {
    const file = path.join(stateDir, 'agent', 'config.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"configVersion": 3, "config": {');
    const corrupt = agentParts();
    await corrupt.manager.start();
    expect(corrupt.manager.version).toBe(0);
    expect(corrupt.manager.configError).toMatch(/config.json is unusable .*running built-in defaults/);

    fs.writeFileSync(file, JSON.stringify({ configVersion: 3, config: { ...custom, limits: { cpuPercent: 1 } } }));
    const invalid = agentParts();
    expect(invalid.manager.version).toBe(0);
    expect(invalid.manager.configError).toContain('/limits');
  });
});
