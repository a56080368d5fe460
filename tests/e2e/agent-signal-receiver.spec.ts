import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
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
import { type AgentConfig, DEFAULT_AGENT_CONFIG } from '@bathyscope/wire';
import { context, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';

/**
 * The agent's local OTLP/remote_write receiver end to end: a real agent process, enrolled with the CLI into a group,
 * whose group configuration (set through GraphQL) opens the port; the OpenTelemetry JS SDK exports to it without any
 * credential; the agent forwards with its own, and the gateway stores the spans under the agent's tenant.
 *
 * The stack's server owns its chDB directory and nothing reads otel_spans over the API yet, so the agent is assigned
 * (by the control plane's rendezvous hashing, like any move) to a second real gateway in this process, next to a store
 * the test can query. It shares the stack's Postgres and access-token key, like any gateway of a deployment.
 */
const stack = inject('stack');

// biome-ignore lint/suspicious/noExplicitAny: status files and GraphQL answers are navigated in assertions
type Loose = any;

const root = path.resolve(__dirname, '..', '..');
const agentMain = path.join(root, 'apps', 'agent', 'dist', 'main.js');
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** TCP ports the process listens on, as the kernel sees them: its socket inodes in LISTEN state (0A). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed while listing
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] as string)) continue;
      ports.push(Number.parseInt((f[1] as string).split(':')[1] as string, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

const config = (patch: (c: AgentConfig) => void = () => {}): AgentConfig => {
  const c = structuredClone(DEFAULT_AGENT_CONFIG) as AgentConfig;
  c.checkinIntervalSeconds = 2;
  patch(c);
  return c;
};

describe('agent signal receiver: OTLP and remote_write through the agent (real agent, gateway, ClickHouse)', () => {
  const runId = randomBytes(4).toString('hex');
  let owner: GraphQLSession;
  let tenant: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let groupId: string;
  let stateDir: string;
  let chDir: string;
  let agentId: number;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let ch: ClickHouseHandle;
  let gateway: IngestServer;
  let gatewayUrl: string;
  let joined: GatewayNode | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let port: number;

  const readStatus = (): Loose => {
    try {
      return JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'status.json'), 'utf8'));
    } catch {
      return null;
    }
  };

  const publish = async (c: AgentConfig, comment: string): Promise<number> =>
    (
      await ok(
        owner.request(
          'mutation($g: ID!, $c: JSON!, $m: String) { updateAgentGroupConfig(groupId: $g, config: $c, comment: $m) { version } }',
          { g: groupId, c, m: comment },
        ),
      )
    ).updateAgentGroupConfig.version;

  const applied = async (version: number): Promise<Loose> => {
    const status = await eventually(
      async () => readStatus(),
      (s) => s?.configVersion === version,
      20_000,
    );
    expect(status?.configVersion, `agent log:\n${agentLog.slice(-3000)}`).toBe(version);
    expect(status.configError).toBeNull();
    return status;
  };

  async function query<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  beforeAll(async () => {
    tenant = await createTenantWithAgent('signal-receiver');
    owner = new GraphQLSession(stack.apiUrl);
    await owner.login(tenant.email, tenant.password);
    groupId = (await ok(owner.request('mutation { createAgentGroup(input: { name: "signals" }) { id } }')))
      .createAgentGroup.id;
    await publish(config(), 'fast check-ins, receiver off (the default)');

    chDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-signal-receiver-ch-'));
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

    const token = (
      await ok(
        owner.request('mutation($i: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $i) { token } }', {
          i: { name: 'signals', groupId, expiresAt: inDays(1), maxUses: 1 },
        }),
      )
    ).createEnrollmentToken.token as string;
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-signal-receiver-'));
    const enrolled = await run(['enroll', '--token', token, '--server', stack.ingestUrl, '--state-dir', stateDir]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agentId = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8')).agentId;

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
      const candidate = { id: `gw-signals-${runId}-${i}`, url: gatewayUrl };
      const all = [...healthy, candidate];
      if (assignGateway(agentId, all) === candidate && assignGateway(stackAgentId, all) !== candidate)
        joined = candidate;
    }
    const node = joined as GatewayNode;
    await prisma.ingestGateway.create({ data: { ...node, startedAt: new Date(), heartbeatAt: new Date() } });
    keepAlive = setInterval(() => {
      void prisma.ingestGateway.updateMany({ where: { id: node.id }, data: { heartbeatAt: new Date() } });
    }, 5_000);

    port = await freePort();
    agent = spawn(process.execPath, [agentMain, 'run', '--state-dir', stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BATHYSCOPE_INGEST_URL: '', BATHYSCOPE_SIGNAL_RECEIVER: '' },
    });
    agent.stdout?.on('data', (c: Buffer) => (agentLog += c.toString()));
    agent.stderr?.on('data', (c: Buffer) => (agentLog += c.toString()));
    const moved = await eventually(
      async () => readStatus(),
      (s) => s?.ingestUrl === gatewayUrl && s?.configVersion === 1,
      40_000,
    );
    expect(moved?.ingestUrl, `agent log:\n${agentLog.slice(-3000)}`).toBe(gatewayUrl);
  });

  afterAll(async () => {
    clearInterval(keepAlive);
    const child = agent;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    if (joined) await testPrisma().ingestGateway.deleteMany({ where: { id: joined.id } });
    await gateway?.app.close();
    await ch?.close();
    for (const dir of [stateDir, chDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('listens on no port with the default configuration (the kernel agrees)', async () => {
    const status = readStatus();
    expect(status.counters['signals.listening']).toBe(0);
    expect(listeningPorts(agent?.pid as number)).toEqual([]);
  });

  it('opens the port its group configuration names; the OTel SDK exports through it; spans land under its tenant', async () => {
    const version = await publish(
      config((c) => {
        c.signalReceiver = { enabled: true, listen: `127.0.0.1:${port}` };
      }),
      'receive OTLP',
    );
    await applied(version);
    expect(listeningPorts(agent?.pid as number)).toEqual([port]);

    // The application knows nothing of tenants or credentials: it exports to localhost.
    const service = `via-agent-${runId}`;
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'tenant.id': '999999' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` }))],
    });
    const tracer = provider.getTracer('receiver-e2e');
    const traceIds: string[] = [];
    for (const name of ['checkout', 'refund']) {
      tracer.startActiveSpan(name, (span) => {
        traceIds.push(span.spanContext().traceId);
        tracer.startSpan(`${name}.db`, {}, trace.setSpan(context.active(), span)).end();
        span.end();
      });
    }
    await provider.forceFlush();
    await provider.shutdown();

    const rows = await eventually(
      () =>
        query<{ tenant_id: number; name: string; trace_id: string }>(
          `SELECT tenant_id, name, trace_id FROM bathyscope.otel_spans WHERE service_name = {s:String} ORDER BY name`,
          { s: service },
        ),
      (r) => r.length >= 4,
      20_000,
    );
    expect(rows.map((r) => r.name)).toEqual(['checkout', 'checkout.db', 'refund', 'refund.db']);
    expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([tenant.tenantId]));
    expect(new Set(rows.map((r) => r.trace_id))).toEqual(new Set(traceIds));
  });

  it('forwards OTLP metrics and Prometheus remote_write the same way', async () => {
    const metricName = `agent_rx_${runId}`;
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${port}/v1/metrics` }),
      exportIntervalMillis: 600_000,
    });
    const meters = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'rx' }), readers: [reader] });
    meters.getMeter('receiver-e2e').createCounter(`${metricName}.requests`).add(7, { route: '/a' });
    await reader.forceFlush();
    await meters.shutdown();

    // prompb.WriteRequest by hand, as Prometheus would send it.
    const Label = new protobuf.Type('Label')
      .add(new protobuf.Field('name', 1, 'string'))
      .add(new protobuf.Field('value', 2, 'string'));
    const Sample = new protobuf.Type('Sample')
      .add(new protobuf.Field('value', 1, 'double'))
      .add(new protobuf.Field('timestamp', 2, 'int64'));
    const TimeSeries = new protobuf.Type('TimeSeries')
      .add(new protobuf.Field('labels', 1, 'Label', 'repeated'))
      .add(new protobuf.Field('samples', 2, 'Sample', 'repeated'));
    const WriteRequest = new protobuf.Type('WriteRequest').add(
      new protobuf.Field('timeseries', 1, 'TimeSeries', 'repeated'),
    );
    new protobuf.Root().define('rx').add(Label).add(Sample).add(TimeSeries).add(WriteRequest);
    const body = WriteRequest.encode({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: `${metricName}_up` },
            { name: 'job', value: 'rx' },
          ],
          samples: [{ value: 1, timestamp: Date.now() }],
        },
      ],
    }).finish();
    const rw = await fetch(`http://127.0.0.1:${port}/api/v1/write`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
      },
      body: new Uint8Array(compressSync(Buffer.from(body))),
    });
    expect(rw.status).toBe(204);

    const series = await eventually(
      () =>
        query<{ metric: string; tenant_id: number; value: number }>(
          `SELECT any(s.metric) AS metric, x.tenant_id AS tenant_id, argMax(x.value, x.time) AS value
           FROM bathyscope.prometheus_samples AS x
           INNER JOIN (SELECT DISTINCT tenant_id, series_id, metric FROM bathyscope.prometheus_series
                       WHERE metric LIKE {m:String}) AS s
             ON s.tenant_id = x.tenant_id AND s.series_id = x.series_id
           GROUP BY x.tenant_id, x.series_id ORDER BY metric`,
          { m: `${metricName}%` },
        ),
      (r) => r.length >= 2,
      20_000,
    );
    expect(series).toEqual([
      { metric: `${metricName}_requests_total`, tenant_id: tenant.tenantId, value: 7 },
      { metric: `${metricName}_up`, tenant_id: tenant.tenantId, value: 1 },
    ]);
  });

  it('refuses an oversized body locally, before forwarding, and reports its counters at check-in', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(5 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 8, message: expect.stringMatching(/^PAYLOAD_TOO_LARGE: /) });
    const status = await eventually(
      async () => readStatus(),
      (s) => s?.counters['signals.refused'] >= 1 && s?.counters['signals.forwarded'] >= 3,
      15_000,
    );
    expect(status.counters).toMatchObject({ 'signals.listening': 1, 'signals.dropped': 0 });
    // The same counters reach the control plane with the check-in.
    const counters = async () =>
      Object.fromEntries(
        (await ok(owner.request(`{ agent(id: ${agentId}) { counters { name value } } }`))).agent.counters.map(
          (c: { name: string; value: number }) => [c.name, c.value],
        ),
      ) as Record<string, number>;
    const shown = await eventually(counters, (c) => (c['signals.forwarded'] ?? 0) >= 3, 15_000);
    expect(shown['signals.refused']).toBeGreaterThanOrEqual(1);
  });

  it('closes the port when its group configuration turns the receiver off', async () => {
    const version = await publish(
      config((c) => {
        c.signalReceiver = { enabled: false, listen: `127.0.0.1:${port}` };
      }),
      'receiver off',
    );
    const status = await applied(version);
    expect(listeningPorts(agent?.pid as number)).toEqual([]);
    expect(status.counters['signals.listening']).toBe(0);
  });
});
