import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CMDLINE, parseCmdline, parseProcPidStat, ProcIdentityReader } from './proc-identity';
import { ProcessIdentityCache } from './process-identity-cache';

const fakeRoots: string[] = [];
afterEach(() => {
  for (const d of fakeRoots.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A /proc tree with the files the reader needs, so pid reuse and exec can be staged. */
function fakeProc() {
  const root = fs.mkdtempSync('/tmp/fake-proc-id-');
  fakeRoots.push(root);
  fs.writeFileSync(path.join(root, 'stat'), 'cpu 1 2 3 4\nbtime 1700000000\n');
  const put = (pid: number, comm: string, startTicks: number, cmdline: string, cgroup: string) => {
    const dir = path.join(root, String(pid));
    fs.mkdirSync(dir, { recursive: true });
    const tail = Array.from({ length: 30 }, (_, i) => (i === 18 ? String(startTicks) : '0')).join(' ');
    fs.writeFileSync(path.join(dir, 'stat'), `${pid} (${comm}) S ${tail}\n`);
    fs.writeFileSync(path.join(dir, 'cmdline'), `${cmdline.split(' ').join('\0')}\0`);
    fs.writeFileSync(path.join(dir, 'cgroup'), cgroup);
  };
  const remove = (pid: number) => fs.rmSync(path.join(root, String(pid)), { recursive: true, force: true });
  return { root, put, remove };
}

const ID = 'ab'.repeat(32);

describe('/proc/<pid> parsing', () => {
  it('reads comm with spaces and parentheses, and the start time after it', () => {
    const tail = Array.from({ length: 30 }, (_, i) => (i === 18 ? '777' : '1')).join(' ');
    expect(parseProcPidStat(`12 (my (odd) app) S ${tail}`)).toEqual({ comm: 'my (odd) app', startTicks: 777 });
    expect(parseProcPidStat('12 (cut')).toBeNull();
    expect(parseProcPidStat('12 (x) S 1 2')).toBeNull();
  });

  it('joins argv and caps it', () => {
    expect(parseCmdline(Buffer.from('nginx: master\0-g\0daemon off;\0'))).toBe('nginx: master -g daemon off;');
    expect(parseCmdline('x'.repeat(5000)).length).toBe(MAX_CMDLINE);
  });

  it('parsers never throw on garbage', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        parseProcPidStat(s);
        parseCmdline(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a real process: comm, argv, start time, cgroup path and id', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const id = new ProcIdentityReader().read(child.pid as number);
      expect(id).toMatchObject({ pid: child.pid, comm: 'sleep', cmdline: 'sleep 30' });
      // Started within the last few seconds, on the wall clock.
      expect(Math.abs((id?.startTimeUs ?? 0) / 1000 - Date.now())).toBeLessThan(5_000);
      expect(id?.cgroupPath).toMatch(/^\//);
      const unified = fs
        .readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .find((l) => l.split(' ')[2] === 'cgroup2');
      if (unified) expect(id?.cgroupId).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });
});

describe('ProcessIdentityCache', () => {
  it('reads /proc once per process and answers from memory until revalidation', () => {
    const proc = fakeProc();
    proc.put(
      100,
      'api',
      5000,
      'node server.js',
      `0::/kubepods/burstable/pod5a8e2f4c-1b3d-4e6f-9a0b-c1d2e3f4a5b6/${ID}\n`,
    );
    let now = 0;
    const cache = new ProcessIdentityCache({
      reader: new ProcIdentityReader({ procRoot: proc.root, cgroup2Root: null }),
      revalidateMs: 1000,
      now: () => now,
    });
    const first = cache.lookup(100);
    expect(first).toMatchObject({
      comm: 'api',
      cmdline: 'node server.js',
      containerId: ID,
      podUid: '5a8e2f4c-1b3d-4e6f-9a0b-c1d2e3f4a5b6',
      startTimeUs: 1700000000 * 1e6 + 50 * 1e6,
    });
    // Changed on disk, but within the revalidation period the cache answers.
    proc.put(100, 'api', 5000, 'node other.js', '0::/\n');
    expect(cache.lookup(100)).toBe(first);
    // Same start time and comm after revalidation: still the same process, identity kept.
    now = 1500;
    expect(cache.lookup(100)).toBe(first);
    expect(cache.stats).toMatchObject({ misses: 1, hits: 2, replaced: 0 });
  });

  it('notices a reused pid (new start time) and an exec (new comm)', () => {
    const proc = fakeProc();
    proc.put(200, 'worker', 100, 'worker --a', `0::/docker/${ID}\n`);
    let now = 0;
    const cache = new ProcessIdentityCache({
      reader: new ProcIdentityReader({ procRoot: proc.root, cgroup2Root: null }),
      revalidateMs: 1000,
      now: () => now,
    });
    expect(cache.lookup(200)?.containerId).toBe(ID);
    proc.put(200, 'worker', 900, 'worker --b', '0::/system.slice/cron.service\n');
    now = 2000;
    expect(cache.lookup(200)).toMatchObject({ cmdline: 'worker --b', containerId: '', systemdUnit: 'cron.service' });
    proc.put(200, 'python3', 900, 'python3 job.py', '0::/system.slice/cron.service\n');
    now = 4000;
    expect(cache.lookup(200)?.cmdline).toBe('python3 job.py');
    expect(cache.stats.replaced).toBe(2);
  });

  it('remembers a gone process briefly, then looks again', () => {
    const proc = fakeProc();
    let now = 0;
    const cache = new ProcessIdentityCache({
      reader: new ProcIdentityReader({ procRoot: proc.root, cgroup2Root: null }),
      negativeMs: 5000,
      now: () => now,
    });
    expect(cache.lookup(300)).toBeNull();
    proc.put(300, 'late', 1, 'late', '0::/\n');
    now = 1000;
    expect(cache.lookup(300)).toBeNull();
    now = 6000;
    expect(cache.lookup(300)?.comm).toBe('late');
  });

  it('is bounded: the least recently used process goes first', () => {
    const proc = fakeProc();
    for (let pid = 1; pid <= 5; pid++) proc.put(pid, `p${pid}`, pid, `p${pid}`, '0::/\n');
    const cache = new ProcessIdentityCache({
      reader: new ProcIdentityReader({ procRoot: proc.root, cgroup2Root: null }),
      maxEntries: 3,
      now: () => 0,
    });
    for (const pid of [1, 2, 3, 1, 4, 5]) cache.lookup(pid);
    expect(cache.stats).toMatchObject({ size: 3, evicted: 2 });
    const misses = cache.stats.misses;
    cache.lookup(1);
    expect(cache.stats.misses).toBe(misses);
    cache.lookup(2);
    expect(cache.stats.misses).toBe(misses + 1);
  });

  it('annotates request-log rows in place', () => {
    const proc = fakeProc();
    proc.put(400, 'nginx', 10, 'nginx -g daemon off;', `0::/system.slice/docker-${ID}.scope\n`);
    const cache = new ProcessIdentityCache({
      reader: new ProcIdentityReader({ procRoot: proc.root, cgroup2Root: null }),
    });
    const row = { pid: 400, containerId: '', podUid: '', cmdline: '', processStartTime: 0, cgroupId: 0 };
    cache.annotate(row as never);
    expect(row).toMatchObject({ containerId: ID, cmdline: 'nginx -g daemon off;', processStartTime: 1700000000.1e6 });
  });
});
