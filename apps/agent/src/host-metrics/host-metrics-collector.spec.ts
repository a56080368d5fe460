import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOST_METRICS_LIMITS } from '@bathyscope/wire';
import { HostMetricsCollector } from './host-metrics-collector';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HostMetricsCollector on this machine’s /proc', () => {
  it('takes a baseline first, then reports the interval since', async () => {
    const c = new HostMetricsCollector();
    expect(await c.collect()).toBeNull();
    // Some disk and CPU work inside the interval, so the deltas have something to show.
    const file = `/tmp/host-metrics-spec-${process.pid}`;
    fs.writeFileSync(file, Buffer.alloc(4 << 20, 1));
    fs.fsyncSync(fs.openSync(file, 'r+'));
    const until = Date.now() + 300;
    while (Date.now() < until) Math.sqrt(Math.random());
    await sleep(200);
    const m = await c.collect();
    fs.rmSync(file);
    expect(m).not.toBeNull();
    if (!m) return;
    expect(m.intervalMs).toBeGreaterThanOrEqual(450);
    expect(m.cpuCount).toBeGreaterThan(0);
    const u = m.cpuUtilisation;
    if (!u) throw new Error('no cpu utilisation');
    const sum = u.user + u.nice + u.system + u.idle + u.iowait + u.irq + u.softirq + u.steal;
    expect(sum).toBeCloseTo(1, 5);
    expect(u.user + u.system).toBeGreaterThan(0);
    expect(m.cpuSecondsTotal?.idle).toBeGreaterThan(0);
    const memTotal = Number(/MemTotal:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;
    expect(m.memTotalBytes).toBe(memTotal);
    expect(m.memUsedBytes).toBeGreaterThan(0);
    expect(m.memUsedBytes + m.memFreeBytes + m.memCachedBytes + m.memBuffersBytes).toBe(m.memTotalBytes);
    expect(m.processCount).toBeGreaterThan(1);
    expect(m.threadCount).toBeGreaterThanOrEqual(m.processCount);
    expect(m.contextSwitches).toBeGreaterThan(0);
    expect(m.openFds).toBeGreaterThan(0);
    // Whole disks only: no partitions, no loop devices.
    for (const d of m.disks) {
      expect(fs.existsSync(`/sys/block/${d.name}`)).toBe(true);
      expect(d.name).not.toMatch(/^loop/);
      expect(d.physical).toBe(fs.existsSync(`/sys/block/${d.name}/device`));
    }
    expect(m.disks.some((d) => d.physical && d.writeBytes > 0)).toBe(true);
    const root = m.filesystems.find((f) => f.mountPoint === '/');
    expect(root).toBeDefined();
    const st = fs.statfsSync('/');
    expect(root?.sizeBytes).toBe(st.blocks * st.bsize);
    expect(root?.usedBytes).toBeLessThanOrEqual(root?.sizeBytes ?? 0);
    const lo = m.interfaces.find((i) => i.name === 'lo');
    expect(lo?.physical).toBe(false);
    expect(m.interfaces.length).toBeLessThanOrEqual(HOST_METRICS_LIMITS.maxInterfaces);
  });

  it('reads what a /proc tree offers and zeros what it lacks (an agent pointed at a partial copy)', async () => {
    const dir = fs.mkdtempSync('/tmp/fake-proc-');
    fs.writeFileSync(`${dir}/stat`, 'cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\nctxt 10\n');
    fs.mkdirSync(`${dir}/42`);
    let now = 1_000_000;
    const c = new HostMetricsCollector({ procRoot: dir, sysRoot: dir, now: () => now });
    expect(await c.collect()).toBeNull();
    fs.writeFileSync(`${dir}/stat`, 'cpu  150 0 150 900 0 0 0 0 0 0\ncpu0 150 0 150 900 0 0 0 0 0 0\nctxt 5\n');
    now += 10_000;
    const m = await c.collect();
    fs.rmSync(dir, { recursive: true });
    expect(m).toMatchObject({
      intervalMs: 10_000,
      cpuCount: 1,
      cpuUtilisation: { user: 0.25, system: 0.25, idle: 0.5 },
      cpuSecondsTotal: { user: 1.5, system: 1.5, idle: 9 },
      // A counter that went backwards was reset: no negative delta.
      contextSwitches: 0,
      processCount: 1,
      memTotalBytes: 0,
      disks: [],
      interfaces: [],
      filesystems: [],
    });
    expect(c.stats.readErrors).toBeGreaterThan(0);
  });
});
