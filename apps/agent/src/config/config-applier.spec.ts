import * as dns from 'node:dns';
import net from 'node:net';
import * as os from 'node:os';
import { type AgentConfig, DEFAULT_AGENT_CONFIG, L7Protocol, type L7Request, TapSide } from '@bathyscope/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { CapturePipeline } from '../capture/capture-pipeline';
import { CaptureSwitch } from '../capture/capture-switch';
import { exchangeEvents, RecordingBackend } from '../capture/capture-test-kit';
import { connectionSampleHash } from '../capture/record-filter';
import { L7Shipper } from '../shipper/l7-shipper';
import { AgentConfigApplier, ringBufferMb } from './config-applier';
import { SelfMonitor } from './self-monitor';

/** A port on loopback where nothing listens: the shipper's gateway is down, so rows stay pending. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const config = (patch: (c: AgentConfig) => void = () => {}): AgentConfig => {
  const c = structuredClone(DEFAULT_AGENT_CONFIG);
  patch(c);
  return c;
};

const shippers: L7Shipper[] = [];
afterEach(async () => {
  for (const s of shippers.splice(0)) await s.close(10);
});

async function setup(initial = config()) {
  const rows: L7Request[] = [];
  const pipeline = new CapturePipeline({ enqueue: (r) => rows.push(r) }, { now: () => 1n << 40n });
  const shipper = new L7Shipper({
    ingestUrl: `http://127.0.0.1:${await closedPort()}`,
    token: 'bsa_1_xxxxxxxxxxxxxxxxxxxx',
    maxBatchRows: 1000,
    flushIntervalMs: 60_000,
  });
  shippers.push(shipper);
  const backend = new RecordingBackend();
  const capture = new CaptureSwitch(
    backend,
    (events) => pipeline.onEvents(events),
    (open) => pipeline.setCapture(open),
  );
  const monitor = new SelfMonitor(initial.limits);
  const applier = new AgentConfigApplier({ pipeline, shipper, capture, monitor });
  await applier.apply(initial).settled;
  const serverRows = () => rows.filter((r) => r.tapSide === TapSide.Server);
  return { rows, serverRows, pipeline, shipper, backend, capture, monitor, applier };
}

describe('AgentConfigApplier', () => {
  it('applies every knob the first time and nothing when the same configuration comes again', async () => {
    const { applier, backend } = await setup();
    expect(backend.attaches).toBe(1);
    const again = applier.apply(config());
    await again.settled;
    expect(again.changed).toEqual([]);
    expect([backend.attaches, backend.detaches]).toEqual([1, 0]);
  });

  it('collectors.l7Requests: false detaches the tracer and discards events in flight; true attaches again', async () => {
    const { applier, backend, capture, pipeline, serverRows } = await setup();
    backend.deliver(exchangeEvents(8080, ['/before']));
    expect(serverRows().map((r) => r.path)).toEqual(['/before']);

    // Events the kernel already handed over while the switch happens are dropped, not parsed.
    const inFlight = exchangeEvents(8080, ['/in-flight']);
    const off = applier.apply(config((c) => (c.collectors.l7Requests = false)));
    expect(off.changed).toEqual(['collectors.l7Requests']);
    pipeline.onEvents(inFlight);
    await off.settled;
    expect([backend.attached, backend.detaches, capture.programs()]).toEqual([false, 1, []]);
    backend.deliver(exchangeEvents(8080, ['/while-off']));
    expect(serverRows().map((r) => r.path)).toEqual(['/before']);
    expect(pipeline.eventsDiscarded).toBe(inFlight.length);

    await applier.apply(config()).settled;
    expect([backend.attached, backend.attaches]).toEqual([true, 2]);
    backend.deliver(exchangeEvents(8080, ['/after']));
    expect(serverRows().map((r) => r.path)).toEqual(['/before', '/after']);
  });

  it('tls.enabled reloads the tracer (its uprobes are part of it) and touches nothing else', async () => {
    const { applier, backend } = await setup();
    const off = applier.apply(config((c) => (c.tls = { ...c.tls, enabled: false })));
    expect(off.changed).toEqual(['tls.enabled']);
    await off.settled;
    expect([backend.attached, backend.attaches, backend.detaches]).toEqual([true, 2, 1]);

    // Capture off and TLS back on together: nothing attaches until capture is wanted again.
    const both = applier.apply(config((c) => (c.collectors.l7Requests = false)));
    await both.settled;
    expect(both.changed).toEqual(['collectors.l7Requests', 'tls.enabled']);
    expect([backend.attached, backend.attaches]).toEqual([false, 2]);
    await applier.apply(config()).settled;
    expect([backend.attached, backend.attaches]).toEqual([true, 3]);
  });

  it('ebpf.ringBufferMb reloads the tracer (the ring is part of it); absent means the default size', async () => {
    const { applier, backend } = await setup();
    const same = applier.apply(config((c) => (c.ebpf = { ringBufferMb: 8 })));
    expect(same.changed).toEqual([]); // 8 MiB is what an absent section means
    const bigger = applier.apply(config((c) => (c.ebpf = { ringBufferMb: 32 })));
    expect(bigger.changed).toEqual(['ebpf.ringBufferMb']);
    await bigger.settled;
    expect([backend.attached, backend.attaches, backend.detaches]).toEqual([true, 2, 1]);
    expect(ringBufferMb(applier.config)).toBe(32);
    expect(ringBufferMb(null)).toBe(8);
  });

  it('protocols.http1.ports keeps only servers on those ports and counts the rest; [] means every port', async () => {
    const { applier, backend, pipeline, rows } = await setup(config((c) => (c.protocols.http1.ports = [8080, 9090])));
    for (const port of [8080, 9090, 3000, 443]) backend.deliver(exchangeEvents(port, [`/p${port}`]));
    expect(rows.map((r) => r.serverPort).sort()).toEqual([8080, 8080, 9090, 9090]);
    // Both sides of the two other connections.
    expect(pipeline.filter.counts.filteredPort).toBe(4);

    applier.apply(config((c) => (c.protocols.http1.ports = [3000])));
    backend.deliver(exchangeEvents(8080, ['/x']));
    backend.deliver(exchangeEvents(3000, ['/y']));
    expect(rows.slice(4).map((r) => [r.serverPort, r.path])).toEqual([
      [3000, '/y'],
      [3000, '/y'],
    ]);

    applier.apply(config());
    backend.deliver(exchangeEvents(4444, ['/z']));
    expect(rows.at(-1)?.serverPort).toBe(4444);
  });

  it('protocols.<name>.enabled: false stops parsing that protocol and ships none of its rows; others go on', async () => {
    const { applier, backend, pipeline, rows } = await setup();
    const redis = (key: string) =>
      exchangeEvents(6379, [], {
        messages: [[`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`, '$1\r\nx\r\n']],
      });
    backend.deliver(redis('before'));
    expect(rows.map((r) => r.protocol)).toEqual([L7Protocol.Redis, L7Protocol.Redis]);

    const off = applier.apply(config((c) => (c.protocols.redis = { enabled: false })));
    expect(off.changed).toEqual(['protocols.switches']);
    backend.deliver(redis('while-off'));
    backend.deliver(exchangeEvents(8080, ['/http-still-on']));
    expect(rows.slice(2).map((r) => r.path)).toEqual(['/http-still-on', '/http-still-on']);

    // gRPC off keeps HTTP/2 parsed; only both off stop the parser.
    applier.apply(config((c) => (c.protocols.grpc = { enabled: false })));
    expect(pipeline.filter.counts.protocolDisabled).toBe(0);
    applier.apply(config());
    backend.deliver(redis('after'));
    expect(rows.slice(4).map((r) => r.path)).toEqual(['GET after', 'GET after']);
  });

  it('protocols.http1.enabled: false ships no HTTP/1 rows (counted) and leaves capture on for other protocols', async () => {
    const { applier, backend, pipeline, rows } = await setup();
    applier.apply(config((c) => (c.protocols.http1.enabled = false)));
    backend.deliver(exchangeEvents(8080, ['/a', '/b']));
    expect(rows).toHaveLength(0);
    // Two requests, each seen from the client and the server side.
    expect(pipeline.filter.counts.http1Disabled).toBe(4);
    expect(pipeline.open).toBe(true);
    expect(backend.attached).toBe(true);

    applier.apply(config());
    backend.deliver(exchangeEvents(8081, ['/c']));
    expect(rows.map((r) => r.path)).toEqual(['/c', '/c']);
  });

  it('sampling.l7Rate keeps about that share of connections, whole (both sides, every request), counted', async () => {
    const { applier, backend, pipeline, rows } = await setup(config((c) => (c.sampling.l7Rate = 0.25)));
    const connections = 2000;
    const eventsOf = new Map<string, number>();
    for (let i = 0; i < connections; i++) {
      const events = exchangeEvents(8080, [`/c${i}/1`, `/c${i}/2`], { clientAddr: `10.0.${i >> 8}.${i & 255}` });
      eventsOf.set(`c${i}`, events.length);
      backend.deliver(events);
    }
    const byConnection = new Map<string, number>();
    for (const r of rows) {
      const key = r.path.split('/')[1] as string;
      byConnection.set(key, (byConnection.get(key) ?? 0) + 1);
    }
    // A kept connection keeps all 4 rows: 2 requests × client and server side.
    expect([...byConnection.values()].every((n) => n === 4)).toBe(true);
    const kept = byConnection.size / connections;
    expect(kept).toBeGreaterThan(0.21);
    expect(kept).toBeLessThan(0.29);
    // Connections left out are skipped before parsing: every one of their events is counted, and no record of
    // theirs reaches the record filter.
    let leftOut = 0;
    for (const [key, n] of eventsOf) if (!byConnection.has(key)) leftOut += n;
    expect(pipeline.eventsSampledOut).toBe(leftOut);
    expect(pipeline.filter.counts.sampledOut).toBe(0);
    // The decision is a pure function of the endpoints, in either order: the same connection is kept by any
    // agent, from the client's side and from the server's.
    for (const r of rows.slice(0, 20)) {
      expect(connectionSampleHash(r.clientIp, r.clientPort, r.serverIp, r.serverPort)).toBeLessThan(0.25 * 2 ** 32);
      expect(connectionSampleHash(r.serverIp, r.serverPort, r.clientIp, r.clientPort)).toBeLessThan(0.25 * 2 ** 32);
    }

    applier.apply(config((c) => (c.sampling.l7Rate = 0)));
    const before = rows.length;
    for (let i = 0; i < 50; i++) backend.deliver(exchangeEvents(8080, ['/none']));
    expect(rows.length).toBe(before);
    applier.apply(config((c) => (c.sampling.l7Rate = 1)));
    for (let i = 0; i < 50; i++) backend.deliver(exchangeEvents(8080, ['/all']));
    expect(rows.length).toBe(before + 100);
  });

  it('requestIdHeaders changes which header is recorded as the request id, on live connections too', async () => {
    const { applier, backend, serverRows } = await setup();
    const headers = 'X-Request-Id: rid-1\r\nX-Correlation-Id: corr-1\r\n';
    backend.deliver(exchangeEvents(8080, ['/a'], { headers }));
    applier.apply(config((c) => (c.requestIdHeaders = ['x-correlation-id', 'x-request-id'])));
    backend.deliver(exchangeEvents(8080, ['/b'], { headers }));
    applier.apply(config((c) => (c.requestIdHeaders = ['traceparent-id'])));
    backend.deliver(exchangeEvents(8080, ['/c'], { headers }));
    expect(serverRows().map((r) => [r.path, r.xRequestId])).toEqual([
      ['/a', 'rid-1'],
      ['/b', 'corr-1'],
      ['/c', ''],
    ]);
  });

  it('spool.maxPendingRows bounds the shipper at once, dropping the oldest rows (counted)', async () => {
    const { applier, shipper } = await setup(config((c) => (c.spool.maxPendingRows = 50_000)));
    expect(shipper.maxPendingRows).toBe(50_000);
    const row = (i: number): L7Request => ({ ...sampleRow, path: `/${i}` });
    for (let i = 0; i < 20_000; i++) shipper.enqueue(row(i));
    const inFlight = shipper.stats.rowsQueued - shipper.stats.pendingRows;
    applier.apply(config((c) => (c.spool.maxPendingRows = 5_000)));
    expect(shipper.maxPendingRows).toBe(5_000);
    expect(shipper.stats.pendingRows).toBeLessThanOrEqual(5_000);
    expect(shipper.stats.rowsDropped).toBe(20_000 - inFlight - shipper.stats.pendingRows);
    for (let i = 0; i < 20_000; i++) shipper.enqueue(row(i));
    expect(shipper.stats.pendingRows).toBeLessThanOrEqual(5_000);
  });

  it('limits reach the self-monitor: a budget lowered below current usage pauses after the grace period', async () => {
    const { applier, monitor } = await setup();
    const at = (s: number, cpuPercent: number) => monitor.observe({ atMs: s * 1000, cpuPercent, rssBytes: 100 << 20 });
    for (let s = 0; s < 15; s++) expect(at(s, 40)).toBe('none');
    applier.apply(config((c) => (c.limits.cpuPercent = 20)));
    const actions = Array.from({ length: 12 }, (_, i) => at(15 + i, 40));
    expect(actions.indexOf('pause')).toBe(10);
    applier.apply(config((c) => (c.limits.memoryMb = 64)));
    expect(monitor.overMemory).toBe(true);
  });
});

const sampleRow: L7Request = {
  startTimeUs: 1,
  endTimeUs: 2,
  pid: 1,
  tid: 1,
  processName: 'p',
  tapSide: TapSide.Server,
  clientIp: '127.0.0.1',
  clientPort: 1,
  serverIp: '127.0.0.1',
  serverPort: 2,
  protocol: 1,
  version: '1.1',
  method: 'GET',
  path: '/',
  host: '',
  statusCode: 200,
  responseStatus: 1,
  requestBytes: 1,
  responseBytes: 1,
  xRequestId: '',
  traceparent: '',
  userAgent: '',
  namespace: '',
  service: '',
  environment: '',
};

describe('RecordFilter: the agent never records its own shipping', () => {
  it('drops rows whose server is the gateway, by address or by a resolved host name, and counts them', async () => {
    const { pipeline, backend, rows } = await setup();
    pipeline.filter.setGateway('http://127.0.0.1:4001');
    backend.deliver(exchangeEvents(4001, ['/v1/l7']));
    expect(rows).toHaveLength(0);
    expect(pipeline.filter.counts.ignoredSelf).toBe(2);
    // A gateway URL with a host name (a gateway registered by its hostname): matched by what the name resolves to.
    const name = os.hostname();
    const resolved = await dns.promises.lookup(name, { all: true }).then(
      (a) => a.map((x) => x.address),
      () => [] as string[],
    );
    pipeline.filter.setGateway(`http://${name}:4002/`);
    await new Promise((r) => setTimeout(r, 100));
    backend.deliver(exchangeEvents(4002, ['/v1/l7'])); // the kit's server address is 127.0.0.1
    backend.deliver(exchangeEvents(4001, ['/not-the-gateway-any-more']));
    const own = resolved.includes('127.0.0.1') ? [] : ['/v1/l7', '/v1/l7'];
    expect(rows.map((r) => r.path)).toEqual([...own, '/not-the-gateway-any-more', '/not-the-gateway-any-more']);
    expect(pipeline.filter.counts.ignoredSelf).toBe(own.length === 0 ? 4 : 2);
  });
});
