import type { CpuModes, HostMetrics } from '@bathyscope/wire';

/** CPU shares of a host `busy` (0–1) of the time, four fifths of it in user mode, as a real host's shares add to 1. */
export function cpuModes(busy: number): CpuModes {
  return {
    user: busy * 0.8,
    nice: 0,
    system: busy * 0.2,
    idle: 1 - busy,
    iowait: 0,
    irq: 0,
    softirq: 0,
    steal: 0,
    guest: 0,
  };
}

/**
 * A host-metrics row of an idle 4-CPU host with no disks, filesystems or interfaces, so that a test states only
 * what its rule or forecast reads, in `overrides`.
 */
export function hostMetricsRow(timeMs: number, overrides: Partial<HostMetrics> = {}): HostMetrics {
  return {
    timeUs: timeMs * 1000,
    intervalMs: 60_000,
    cpuCount: 4,
    cpuUtilisation: cpuModes(0),
    cpuSecondsTotal: cpuModes(0),
    load1: 1,
    load5: 1,
    load15: 1,
    contextSwitches: 0,
    interrupts: 0,
    forks: 0,
    procsRunning: 1,
    procsBlocked: 0,
    processCount: 100,
    threadCount: 300,
    memTotalBytes: 16e9,
    memFreeBytes: 8e9,
    memAvailableBytes: 8e9,
    memUsedBytes: 8e9,
    memCachedBytes: 0,
    memBuffersBytes: 0,
    swapTotalBytes: 0,
    swapUsedBytes: 0,
    disks: [],
    filesystems: [],
    interfaces: [],
    tcpRetransSegments: 0,
    tcpEstablished: 10,
    openFds: 100,
    ...overrides,
  };
}

/** Deterministic noise in [-0.5, 0.5) so every run sends the same history. */
export function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/**
 * Posts an agent batch to the gateway, retrying while it answers 429 (quota) or 503 (overloaded, storage busy):
 * backfilling a week of history can meet either, and an agent would retry them too. Anything else fails the test.
 */
export async function postUntilAccepted(
  ingestUrl: string,
  path: string,
  token: string,
  body: Uint8Array,
): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(`${ingestUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: new Uint8Array(body),
    });
    const text = await res.text();
    if (res.status === 200) return;
    if (res.status !== 429 && res.status !== 503) throw new Error(`${path}: ${res.status} ${text}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${path}: still refused after retries`);
}
