import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProcessSampler, SelfMonitor } from './self-monitor';

const MB = 1024 * 1024;

/** Feeds one sample per second from `from`, returns the actions by second. */
function run(monitor: SelfMonitor, from: number, seconds: number, cpuPercent: number, rssMb = 100) {
  const out: string[] = [];
  for (let s = from; s < from + seconds; s++) {
    out.push(monitor.observe({ atMs: s * 1000, cpuPercent, rssBytes: rssMb * MB }));
  }
  return out;
}

describe('SelfMonitor', () => {
  it('pauses only after the CPU budget was exceeded for 10 s in a row', () => {
    const m = new SelfMonitor({ cpuPercent: 50, memoryMb: 512 });
    // 9 s over, one second under: the count starts again.
    expect(run(m, 0, 9, 80)).not.toContain('pause');
    expect(run(m, 9, 1, 10)).toEqual(['none']);
    const actions = run(m, 10, 12, 80);
    expect(actions.indexOf('pause')).toBe(10);
    expect(m.paused).toBe(true);
    expect(m.problem).toMatch(/CPU 80% has been over its budget of 50% \(limits.cpuPercent\) for 10 s/);
  });

  it('pauses at once over the memory budget and reports it', () => {
    const m = new SelfMonitor({ cpuPercent: 50, memoryMb: 256 });
    expect(run(m, 0, 1, 1, 200)).toEqual(['none']);
    expect(m.overMemory).toBe(false);
    expect(run(m, 1, 1, 1, 300)).toEqual(['pause']);
    expect(m.overMemory).toBe(true);
    expect(m.problem).toMatch(/memory 300 MB is over its budget of 256 MB/);
  });

  it('resumes only after usage stayed under the budgets with margin for the resume delay', () => {
    const m = new SelfMonitor({ cpuPercent: 100, memoryMb: 1000 });
    run(m, 0, 1, 1, 1200);
    expect(m.paused).toBe(true);
    // Under the budget but not under 90 % of it: no resume.
    expect(run(m, 1, 30, 1, 950)).not.toContain('resume');
    // CPU between 80 % and 100 % of its budget is no resume either.
    expect(run(m, 31, 30, 90, 500)).not.toContain('resume');
    const actions = run(m, 61, 12, 10, 500);
    expect(actions.indexOf('resume')).toBe(10);
    expect([m.paused, m.problem]).toEqual([false, null]);
  });

  it('waits longer before resuming when pauses follow each other, and forgets after a quiet period', () => {
    const m = new SelfMonitor({ cpuPercent: 50, memoryMb: 1000 });
    const resumeDelay = (start: number) => {
      run(m, start, 1, 1, 2000); // pause
      const actions = run(m, start + 1, 400, 1);
      return actions.indexOf('resume');
    };
    expect(resumeDelay(0)).toBe(10);
    expect(resumeDelay(20)).toBe(20);
    expect(resumeDelay(50)).toBe(40);
    // Long after the last resume the delay is back to the base.
    expect(resumeDelay(2000)).toBe(10);
    expect(m.pauses).toBe(4);
  });

  it('follows new limits from the next sample', () => {
    const m = new SelfMonitor({ cpuPercent: 100, memoryMb: 1000 });
    expect(run(m, 0, 15, 60)).not.toContain('pause');
    m.setLimits({ cpuPercent: 50, memoryMb: 1000 });
    expect(run(m, 15, 11, 60)).toContain('pause');
    m.setLimits({ cpuPercent: 400, memoryMb: 1000 });
    expect(run(m, 26, 11, 60)).toContain('resume');
  });
});

describe('ProcessSampler', () => {
  it('measures this process like the kernel does: busy time over wall time, and the real RSS', async () => {
    // The kernel's own account (/proc/self/stat utime + stime, in 1/100 s ticks) is the reference: on a loaded
    // machine a busy loop gets less than a whole core, and the sampler must say so too.
    const ticks = () => {
      const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(f[11]) + Number(f[12]);
    };
    const sampler = new ProcessSampler();
    const t0 = ticks();
    const w0 = performance.now();
    const until = Date.now() + 500;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const busy = sampler.sample();
    const kernelPercent = ((ticks() - t0) * 10 * 100) / (performance.now() - w0);
    expect(busy.cpuPercent).toBeGreaterThan(0);
    expect(Math.abs(busy.cpuPercent - kernelPercent)).toBeLessThan(15);
    await new Promise((r) => setTimeout(r, 300));
    const idle = sampler.sample();
    expect(idle.cpuPercent).toBeLessThan(busy.cpuPercent);
    expect(Math.abs(idle.rssBytes - process.memoryUsage.rss())).toBeLessThan(64 * MB);
    expect(x).toBeGreaterThan(0);
  });
});
