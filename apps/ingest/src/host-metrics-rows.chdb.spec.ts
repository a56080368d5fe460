import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ClickHouseHandle, migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import {
  decodeHostMetricsBatch,
  encodeHostMetricsBatch,
  type HostMetrics,
  HostMetricsBatchType,
  WireDecodeError,
} from '@bathyscope/wire';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_ROW_LIMITS, toHostMetricsRows } from './host-metrics-rows';
import { InvalidRowError } from './l7-rows';

const nowUs = Date.now() * 1000;
const identity = { tenantId: 7, agentId: 42, retentionDays: 30 };
const modes = (v: number) => ({
  user: v,
  nice: 0,
  system: v,
  idle: 1 - 2 * v,
  iowait: 0,
  irq: 0,
  softirq: 0,
  steal: 0,
  guest: 0,
});

function hostRow(over: Partial<HostMetrics> = {}): HostMetrics {
  return {
    timeUs: nowUs - 5_000_000,
    intervalMs: 10_000,
    cpuCount: 2,
    cpuUtilisation: modes(0.25),
    cpuSecondsTotal: { ...modes(0), user: 100, idle: 900 },
    load1: 0.5,
    load5: 0.4,
    load15: 0.3,
    contextSwitches: 1000,
    interrupts: 500,
    forks: 3,
    procsRunning: 1,
    procsBlocked: 0,
    processCount: 140,
    threadCount: 300,
    memTotalBytes: 8 * 2 ** 30,
    memFreeBytes: 2 * 2 ** 30,
    memAvailableBytes: 5 * 2 ** 30,
    memUsedBytes: 3 * 2 ** 30,
    memCachedBytes: 2 * 2 ** 30,
    memBuffersBytes: 1 * 2 ** 30,
    swapTotalBytes: 0,
    swapUsedBytes: 0,
    disks: [
      { name: 'vda', readBytes: 4096, writeBytes: 8192, reads: 1, writes: 2, ioTimeMs: 3, physical: true },
      { name: 'dm-0', readBytes: 4096, writeBytes: 8192, reads: 1, writes: 2, ioTimeMs: 3, physical: false },
    ],
    filesystems: [
      {
        mountPoint: '/',
        device: '/dev/vda',
        fsType: 'ext4',
        sizeBytes: 100,
        usedBytes: 40,
        freeBytes: 55,
        inodesTotal: 10,
        inodesFree: 5,
      },
    ],
    interfaces: [
      {
        name: 'eth0',
        rxBytes: 1000,
        txBytes: 2000,
        rxPackets: 10,
        txPackets: 20,
        rxErrors: 0,
        txErrors: 1,
        rxDrops: 2,
        txDrops: 0,
        physical: true,
      },
      {
        name: 'lo',
        rxBytes: 5,
        txBytes: 5,
        rxPackets: 1,
        txPackets: 1,
        rxErrors: 0,
        txErrors: 0,
        rxDrops: 0,
        txDrops: 0,
        physical: false,
      },
    ],
    tcpRetransSegments: 4,
    tcpEstablished: 12,
    openFds: 2048,
    ...over,
  };
}

const roundTrip = (rows: HostMetrics[]) =>
  decodeHostMetricsBatch(encodeHostMetricsBatch({ stream: 'host', seq: 1, rows }));

function refusal(rows: HostMetrics[]): { row: number; field: string } | null {
  try {
    toHostMetricsRows(roundTrip(rows), identity, nowUs);
    return null;
  } catch (err) {
    if (!(err instanceof InvalidRowError)) throw err;
    return { row: err.rowIndex, field: err.field };
  }
}

describe('host metrics rows', () => {
  let dir: string;
  let ch: ClickHouseHandle;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-rows-'));
    ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'bathyscope', stateDir: dir });
    await migrateClickHouse(ch);
  }, 60_000);

  afterAll(async () => {
    await ch?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('store a decoded batch with totals over physical devices and every device in the arrays', async () => {
    const rows = toHostMetricsRows(roundTrip([hostRow()]), identity, nowUs);
    await ch.client.insert({ table: 'bathyscope.host_metrics', values: rows, format: 'JSONEachRow' });
    const rs = await ch.client.query({
      query: `SELECT tenant_id, agent_id, toUnixTimestamp(time) AS t, interval_s, cpu_user, cpu_idle, cpu_user_seconds_total,
                     disk_read_bytes, disk_reads, net_rx_bytes, net_tx_errors, net_rx_drops, fs_size_bytes, fs_used_bytes,
                     disk_dev_name, net_if_name, net_if_rx_bytes, fs_mount_point, fs_type, mem_used_bytes, retention_days
              FROM bathyscope.host_metrics`,
      format: 'JSONEachRow',
    });
    const [stored] = (await rs.json()) as Record<string, unknown>[];
    expect(stored).toEqual({
      tenant_id: 7,
      agent_id: 42,
      t: Math.floor((nowUs - 5_000_000) / 1e6),
      interval_s: 10,
      cpu_user: 0.25,
      cpu_idle: 0.5,
      cpu_user_seconds_total: 100,
      disk_read_bytes: 4096,
      disk_reads: 1,
      net_rx_bytes: 1000,
      net_tx_errors: 1,
      net_rx_drops: 2,
      fs_size_bytes: 100,
      fs_used_bytes: 40,
      disk_dev_name: ['vda', 'dm-0'],
      net_if_name: ['eth0', 'lo'],
      net_if_rx_bytes: [1000, 5],
      fs_mount_point: ['/'],
      fs_type: ['ext4'],
      mem_used_bytes: 3 * 2 ** 30,
      retention_days: 30,
    });
  });

  it.each([
    ['a time outside the window', { timeUs: nowUs - 8 * 24 * 3600e6 }, 'timeUs'],
    ['a zero interval', { intervalMs: 0 }, 'intervalMs'],
    ['an interval over an hour', { intervalMs: 3600_001 }, 'intervalMs'],
    ['no CPU utilisation', { cpuUtilisation: null }, 'cpuUtilisation'],
    ['a CPU share over 1', { cpuUtilisation: { ...modes(0.25), user: 1.5 } }, 'cpuUtilisation.user'],
    ['a NaN load', { load1: Number.NaN }, 'load1'],
    ['too many interfaces', { interfaces: Array.from({ length: 257 }, () => hostRow().interfaces[1]) }, 'interfaces'],
    [
      'a control character in a mount point',
      { filesystems: [{ ...(hostRow().filesystems[0] as HostMetrics['filesystems'][0]), mountPoint: '/a\nb' }] },
      'filesystems[0].mountPoint',
    ],
    [
      'used above size',
      { filesystems: [{ ...(hostRow().filesystems[0] as HostMetrics['filesystems'][0]), usedBytes: 101 }] },
      'filesystems[0].usedBytes',
    ],
    [
      'an empty disk name',
      { disks: [{ ...(hostRow().disks[0] as HostMetrics['disks'][0]), name: '' }] },
      'disks[0].name',
    ],
  ] as const)('refuse the whole batch for %s, naming row and field', (_what, over, field) => {
    expect(refusal([hostRow(), hostRow(over as Partial<HostMetrics>)])).toEqual({ row: 1, field });
  });

  it('refuse more rows than a batch may hold', () => {
    expect(refusal(Array.from({ length: HOST_ROW_LIMITS.maxRowsPerBatch + 1 }, () => hostRow()))?.field).toBe('rows');
  });

  it('never let anything but a decode or row error escape, whatever the bytes', () => {
    const valid = encodeHostMetricsBatch({ stream: 'host', seq: 1, rows: [hostRow()] });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      // Real batches truncated and with bytes flipped: deeper into the decoder than random noise gets.
      fc
        .tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
        .map(([cut, flips]) => {
          const b = Uint8Array.from(valid.subarray(0, cut % (valid.length + 1)));
          for (const [at, v] of flips) if (b.length) b[at % b.length] = v;
          return b;
        }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        try {
          toHostMetricsRows(decodeHostMetricsBatch(b), identity, nowUs);
        } catch (err) {
          expect(err instanceof WireDecodeError || err instanceof InvalidRowError).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keep row and field names in step with the proto', () => {
    expect(Object.keys(HostMetricsBatchType.fields)).toEqual(['stream', 'seq', 'rows']);
  });
});
