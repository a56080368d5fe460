import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../kit/api-keys';
import { createTenantWithAgent } from '../kit/fixtures';
import { eventually } from '../kit/graphql-client';
import { type SignalGateway, startSignalGateway } from '../kit/signal-gateway';

const PROMETHEUS = '/usr/bin/prometheus';

// prompb.WriteRequest built here, not from the gateway's .proto files, so a field-number mistake there would fail.
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
new protobuf.Root().define('prometheus').add(Label).add(Sample).add(TimeSeries).add(WriteRequest);

type Series = { labels: Record<string, string>; samples: { value: number; timestamp: number }[] };

function encodeWrite(series: Series[]): Uint8Array {
  return WriteRequest.encode({
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: s.samples,
    })),
  }).finish();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe("Prometheus remote_write: Debian's prometheus 2.42 writing to the gateway", () => {
  let gw: SignalGateway;
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let dir: string;
  const run = randomBytes(4).toString('hex');
  const job = `gateway-${run}`;

  beforeAll(async () => {
    gw = await startSignalGateway();
    a = await createTenantWithAgent('prom-a');
    b = await createTenantWithAgent('prom-b');
    dir = mkdtempSync(path.join(tmpdir(), 'bathyscope-prometheus-'));
    const gateway = new URL(gw.url);
    const config = [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      `  - job_name: ${job}`,
      '    static_configs:',
      `      - targets: ['${gateway.host}']`,
      'remote_write:',
      `  - url: ${gw.url}/api/v1/write`,
      '    authorization:',
      `      credentials: ${a.agent.token}`,
      '    queue_config:',
      '      batch_send_deadline: 1s',
      '      min_backoff: 100ms',
      '      max_backoff: 1s',
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stderr?.on('data', (c: Buffer) => {
      prometheusLog += c.toString();
    });
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await gw?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const samplesOf = (tenantId: number, metric: string, jobName: string) =>
    gw.query<{ value: number; labels: Record<string, string>; n: number }>(
      `SELECT argMax(x.value, x.time) AS value, any(s.labels) AS labels, count() AS n
       FROM bathyscope.prometheus_samples AS x
       INNER JOIN (SELECT DISTINCT tenant_id, series_id, labels FROM bathyscope.prometheus_series
                   WHERE tenant_id = {t:UInt32} AND metric = {m:String} AND labels['job'] = {j:String}) AS s
         ON s.tenant_id = x.tenant_id AND s.series_id = x.series_id
       WHERE x.tenant_id = {t:UInt32} GROUP BY x.series_id`,
      { t: tenantId, m: metric, j: jobName },
    );

  it("stores what prometheus scrapes (the gateway's own /metrics) under the credential's tenant", async () => {
    const up = await eventually(
      () => samplesOf(a.tenantId, 'up', job),
      (rows) => rows.length === 1 && (rows[0]?.n ?? 0) >= 2,
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nprometheus log:\n${prometheusLog}`);
    });
    expect(up[0]).toMatchObject({ value: 1, labels: { job, instance: new URL(gw.url).host } });
    // The gateway's own counters, scraped and written back: accepted rows of the remote_write path itself.
    const accepted = await eventually(
      () => samplesOf(a.tenantId, 'bathyscope_ingest_accepted_rows_total', job),
      (rows) => rows.some((r) => r.labels.table === 'prometheus_samples' && r.value > 0),
      60_000,
    );
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(
      await gw.metric('bathyscope_ingest_signal_requests_total', 'signal="prometheus_remote_write",outcome="accepted"'),
    ).toBeGreaterThan(0);
    // Nothing of it under tenant B.
    expect(await samplesOf(b.tenantId, 'up', job)).toEqual([]);
  });

  describe('hand-made requests', () => {
    const post = (body: Uint8Array, token: string, headers: Record<string, string> = {}) =>
      fetch(`${gw.url}/api/v1/write`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          ...headers,
        },
        body: new Uint8Array(body),
      });
    const write = (series: Series[], token: string, headers: Record<string, string> = {}) =>
      post(compressSync(Buffer.from(encodeWrite(series))), token, headers);
    const series = (labels: Record<string, string>, timestamp = Date.now()): Series => ({
      labels,
      samples: [{ value: 1.5, timestamp }],
    });

    it('a tenant API key writes to its own tenant only; B cannot reach A', async () => {
      const keyB = await createApiKey(b.tenantId, b.userId, 'editor');
      const res = await write([series({ __name__: 'up', job, instance: 'spoofed', tenant: String(a.tenantId) })], keyB);
      expect(res.status).toBe(204);
      const underB = await samplesOf(b.tenantId, 'up', job);
      expect(underB).toEqual([{ value: 1.5, labels: { job, instance: 'spoofed', tenant: String(a.tenantId) }, n: 1 }]);
      const underA = await samplesOf(a.tenantId, 'up', job);
      expect(underA.every((r) => r.labels.instance !== 'spoofed')).toBe(true);
    });

    it('a retried request is stored once', async () => {
      const body = [series({ __name__: `retry_${run}`, job }, Date.now())];
      expect((await write(body, a.agent.token)).status).toBe(204);
      expect((await write(body, a.agent.token)).status).toBe(204);
      expect(await samplesOf(a.tenantId, `retry_${run}`, job)).toEqual([{ value: 1.5, labels: { job }, n: 1 }]);
    });

    it('refuses bad requests with precise 4xx codes, each counted', async () => {
      const token = a.agent.token;
      const ok = encodeWrite([series({ __name__: `bad_${run}`, job })]);
      const cases: [string, () => Promise<Response>, number, string][] = [
        ['no credential', () => post(compressSync(Buffer.from(ok)), ''), 401, 'UNAUTHENTICATED'],
        ['no snappy', () => post(ok, token, { 'content-encoding': 'identity' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
        ['json', () => write([], token, { 'content-type': 'application/json' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
        [
          'remote_write 2.0',
          () => write([], token, { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        [
          'version 2',
          () => write([], token, { 'x-prometheus-remote-write-version': '2.0.0' }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        // A snappy block announcing 1 GiB (varint 0x80 0x80 0x80 0x80 0x04) and carrying 3 bytes.
        [
          'snappy bomb',
          () => post(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04, 0, 1, 2]), token),
          413,
          'PAYLOAD_TOO_LARGE',
        ],
        ['broken snappy', () => post(Uint8Array.from([0x05, 0xff, 0xff]), token), 400, 'MALFORMED_BATCH'],
        [
          'truncated protobuf',
          () => post(compressSync(Buffer.from(ok.subarray(0, ok.length - 3))), token),
          400,
          'MALFORMED_BATCH',
        ],
        ['negative timestamp', () => write([series({ __name__: 'x' }, -1000)], token), 422, 'INVALID_ROW'],
        ['far future', () => write([series({ __name__: 'x' }, Date.now() + 86_400_000)], token), 422, 'INVALID_ROW'],
        ['no __name__', () => write([series({ job })], token), 422, 'INVALID_ROW'],
        ['bad label name', () => write([series({ __name__: 'x', 'a-b': '1' })], token), 422, 'INVALID_ROW'],
        [
          'label explosion',
          () =>
            write(
              [
                series(
                  Object.fromEntries([['__name__', 'x'], ...Array.from({ length: 100 }, (_, i) => [`l${i}`, 'v'])]),
                ),
              ],
              token,
            ),
          422,
          'LIMIT_EXCEEDED',
        ],
        [
          'too many series',
          () =>
            write(
              Array.from({ length: 10_001 }, (_, i) => series({ __name__: 'x', i: String(i) })),
              token,
            ),
          422,
          'LIMIT_EXCEEDED',
        ],
      ];
      for (const [name, send, status, code] of cases) {
        const before = await gw.metric(
          'bathyscope_ingest_signal_requests_total',
          `signal="prometheus_remote_write",outcome="${code}"`,
        );
        const res = await send();
        expect({ name, status: res.status }).toEqual({ name, status });
        expect(await res.json()).toMatchObject({ error: { code } });
        expect(
          await gw.metric(
            'bathyscope_ingest_signal_requests_total',
            `signal="prometheus_remote_write",outcome="${code}"`,
          ),
        ).toBe(before + 1);
      }
      expect(await samplesOf(a.tenantId, `bad_${run}`, job)).toEqual([]);
    });
  });
});
