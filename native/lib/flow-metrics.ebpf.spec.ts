// SPDX-License-Identifier: Apache-2.0
// The real flow_metrics.bpf.c on this kernel (needs root): TCP connections on loopback, and what the kernel
// accounted for them, checked exactly.
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTracefs } from './capabilities';
import type { FlowRecord } from './flow-decode';
import { FlowMetrics, probeFlowCapabilities } from './flow-metrics';

const root = typeof process.geteuid === 'function' && process.geteuid() === 0;

async function listen(onSocket: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function port(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!root)('FlowMetrics (eBPF, root)', () => {
  let flows: FlowMetrics;
  const seen: FlowRecord[] = [];
  const live = new Map<string, FlowRecord>();

  async function drainInto(): Promise<void> {
    const d = await flows.drain();
    seen.push(...d.closed);
    for (const f of d.active) live.set(`${f.sock}:${f.startNs}`, f);
  }

  /** Closed records of connections to `serverPort`, client and server side. */
  async function closedFor(serverPort: number, want: number): Promise<FlowRecord[]> {
    for (let i = 0; i < 50; i++) {
      await drainInto();
      const got = seen.filter((f) => f.localPort === serverPort || f.remotePort === serverPort);
      if (got.length >= want) return got;
      await sleep(20);
    }
    return seen.filter((f) => f.localPort === serverPort || f.remotePort === serverPort);
  }

  beforeAll(async () => {
    ensureTracefs();
    flows = new FlowMetrics();
    await flows.start();
  });
  afterAll(() => flows?.close());

  it('attaches the required tracepoints, and the capability report says this kernel has them', () => {
    const report = probeFlowCapabilities();
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.tracepoints['tcp/tcp_probe']).toBe(true);
    // Everything the report says exists is what got attached.
    expect(flows.programs().sort()).toEqual(
      Object.entries(report.tracepoints)
        .filter(([, present]) => present)
        .map(([name]) => `tracepoint/${name}`)
        .sort(),
    );
    expect(flows.running).toBe(true);
    expect(flows.programs()).toEqual(
      expect.arrayContaining([
        'tracepoint/sock/inet_sock_set_state',
        'tracepoint/tcp/tcp_probe',
        'tracepoint/tcp/tcp_retransmit_skb',
        'tracepoint/tcp/tcp_receive_reset',
      ]),
    );
  });

  it('a normal connection: exact bytes both ways, setup latency, normal close on both sides', async () => {
    const request = Buffer.alloc(12_345, 1);
    const response = Buffer.alloc(54_321, 2);
    const server = await listen((s) => {
      let got = 0;
      s.on('data', (d) => {
        got += d.length;
        if (got === request.length) s.end(response);
      });
    });
    const p = port(server);
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(p, '127.0.0.1', () => c.write(request));
      let got = 0;
      c.on('data', (d) => (got += d.length));
      c.on('end', () => {
        expect(got).toBe(response.length);
        c.end();
      });
      c.on('close', () => resolve());
      c.on('error', reject);
    });
    const rows = await closedFor(p, 2);
    server.close();
    expect(rows).toHaveLength(2);
    const client = rows.find((f) => f.role === 'client') as FlowRecord;
    const srv = rows.find((f) => f.role === 'server') as FlowRecord;
    expect(client.closeType).toBe('normal');
    expect(srv.closeType).toBe('normal');
    expect(client.bytesSent).toBe(request.length);
    expect(client.bytesReceived).toBe(response.length);
    expect(client.retrans).toBe(0);
    expect(srv.bytesSent).toBe(response.length);
    expect(srv.bytesReceived).toBe(request.length);
    expect(client.remotePort).toBe(p);
    expect(client.remoteIp).toBe('127.0.0.1');
    expect(client.pid).toBe(process.pid);
    expect(srv.pid).toBe(process.pid);
    expect(client.establishedNs).toBeGreaterThan(client.startNs);
    expect(client.segsOut).toBeGreaterThan(0);
    expect(client.srttUs).toBeGreaterThan(0);
  });

  it('a refused connection is connect_failed', async () => {
    const server = await listen(() => {});
    const p = port(server);
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((resolve) => {
      const c = net.connect(p, '127.0.0.1');
      c.on('error', () => resolve());
    });
    const rows = await closedFor(p, 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.role).toBe('client');
    expect(rows[0]?.closeType).toBe('connect_failed');
    expect(rows[0]?.skErr).toBe(111); // ECONNREFUSED
  });

  it('resetAndDestroy is a reset on both sides', async () => {
    const server = await listen((s) => {
      s.on('error', () => {});
      s.once('data', () => s.write('x'));
    });
    const p = port(server);
    await new Promise<void>((resolve) => {
      const c = net.connect(p, '127.0.0.1', () => c.write('hello'));
      c.once('data', () => {
        c.resetAndDestroy();
        resolve();
      });
    });
    const rows = await closedFor(p, 2);
    server.close();
    expect(rows.map((r) => `${r.role}:${r.closeType}`).sort()).toEqual(['client:reset', 'server:reset']);
  });

  it('an established connection whose peer stops answering closes as timeout (ETIMEDOUT)', async () => {
    // In a network namespace of its own, a connection is established, then its loopback goes down; with
    // tcp_retries2 = 1 (a per-namespace sysctl) the kernel gives up after a second instead of fifteen minutes.
    const script = `
      const net = require('node:net');
      const { execFileSync } = require('node:child_process');
      const server = net.createServer((s) => s.on('error', () => {})).listen(0, '127.0.0.1', () => {
        const port = server.address().port;
        const c = net.connect(port, '127.0.0.1', () => {
          execFileSync('ip', ['link', 'set', 'lo', 'down']);
          c.write(Buffer.alloc(100));
        });
        c.on('error', (e) => {
          process.stdout.write(JSON.stringify({ port, pid: process.pid, code: e.code }));
          process.exit(0);
        });
      });`;
    const out = execFileSync(
      'unshare',
      [
        '-n',
        'sh',
        '-c',
        'ip link set lo up && sysctl -qw net.ipv4.tcp_retries2=1 && exec "$0" -e "$1"',
        process.execPath,
        script,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const child = JSON.parse(out) as { port: number; pid: number; code: string };
    expect(child.code).toBe('ETIMEDOUT');
    const rows = (await closedFor(child.port, 1)).filter((f) => f.pid === child.pid && f.role === 'client');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.closeType).toBe('timeout');
    expect(rows[0]?.skErr).toBe(110); // ETIMEDOUT
    expect(rows[0]?.retrans).toBeGreaterThan(0);
  });

  it('a live connection is in every drain with growing counters, then closes once', async () => {
    const server = await listen((s) => s.on('data', () => {}));
    const p = port(server);
    const c = net.connect(p, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    c.write(Buffer.alloc(1000));
    await sleep(50);
    await drainInto();
    const first = [...live.values()].find((f) => f.role === 'client' && f.remotePort === p);
    expect(first?.closeType).toBe('open');
    c.write(Buffer.alloc(2000));
    await sleep(50);
    live.clear();
    await drainInto();
    const second = [...live.values()].find((f) => f.role === 'client' && f.remotePort === p);
    expect(second?.sock).toBe(first?.sock);
    // Live counters are as of the last segment the socket received: the ACK of all 3000 bytes is in.
    expect(second?.bytesSent).toBe(3000);
    c.end();
    const rows = await closedFor(p, 2);
    server.close();
    expect(rows.filter((r) => r.role === 'client')).toHaveLength(1);
    expect(rows.find((r) => r.role === 'client')?.bytesSent).toBe(3000);
    expect(rows.find((r) => r.role === 'server')?.bytesReceived).toBe(3000);
  });

  it('counts nothing lost and stops cleanly', () => {
    const s = flows.stats();
    expect(s.closeLost).toBe(0);
    expect(s.updateFailed).toBe(0);
    expect(s.closed).toBeGreaterThanOrEqual(7);
    flows.close();
    expect(flows.running).toBe(false);
    expect(flows.programs()).toEqual([]);
    expect(flows.stats().closed).toBe(s.closed);
  });
});
