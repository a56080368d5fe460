import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CpuProfiler, probeProfilingCapabilities } from '@bathyscope/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FoldedStackAggregator, foldedLines } from './folded-stacks';
import { Symbolizer } from './symbolizer';

// Real kernel, real perf events: fails with the reasons when the host cannot profile, unless explicitly skipped.
const skip = process.env.BATHYSCOPE_SKIP_EBPF === '1';
const caps = probeProfilingCapabilities();

function waitExit(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** Profiles for `ms` and returns per-process folded lines for `pid`, plus the total samples seen for it. */
async function profileFor(ms: number, pid: number) {
  const profiler = new CpuProfiler({ frequencyHz: 99 });
  await profiler.start();
  await new Promise((r) => setTimeout(r, ms));
  const drained = await profiler.drain();
  const stats = profiler.stats();
  profiler.close();
  const symbolizer = new Symbolizer();
  symbolizer.beginInterval();
  const agg = new FoldedStackAggregator();
  for (const s of drained.samples) {
    if (s.pid !== pid) continue;
    const user = drained.stacks.get(s.userStackId);
    const kernel = drained.stacks.get(s.kernelStackId);
    const frames = [
      ...(kernel ? symbolizer.kernelFrames(kernel) : []),
      ...(user ? symbolizer.userFrames(s.pid, user) : []),
    ];
    agg.add(s.pid, s.tid, s.comm, frames, s.count);
  }
  const [batch] = agg.seal(Date.now() * 1000, ms, 0);
  const total = batch ? batch.samples.reduce((a, s) => a + s.value, 0) : 0;
  return { lines: batch ? foldedLines(batch) : [], total, stats, batch };
}

describe.skipIf(skip)('CpuProfiler on the real kernel', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-profile-'));
  const binary = path.join(dir, 'busy-loop');
  const cppBinary = path.join(dir, 'busy-loop-cpp');

  beforeAll(() => {
    if (!caps.ok) throw new Error(`CPU profiling unavailable: ${caps.problems.join('; ')}`);
    // Frame pointers so the kernel's stack walker sees the caller too, not only the leaf.
    execFileSync('cc', [
      '-O1',
      '-fno-omit-frame-pointer',
      '-o',
      binary,
      path.join(__dirname, 'fixtures', 'busy-loop.c'),
    ]);
    execFileSync('g++', [
      '-O1',
      '-fno-omit-frame-pointer',
      '-o',
      cppBinary,
      path.join(__dirname, 'fixtures', 'busy-loop.cc'),
    ]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the hot function of a compiled busy loop, and it dominates that process', async () => {
    const child = spawn(binary, ['6'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const { lines, total, stats } = await profileFor(2500, child.pid as number);
      // ~99 Hz on one fully busy CPU for 2.5 s: well above 100 samples even on a loaded 2-core machine.
      expect(total).toBeGreaterThan(100);
      const hot = lines
        .filter((l) => /busy-loop!bathyscope_hot_spin/.test(l))
        .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      expect(hot / total).toBeGreaterThan(0.8);
      // The caller chain is there too (frame pointers walked by the kernel).
      expect(lines.some((l) => /bathyscope_spin_until;busy-loop!bathyscope_hot_spin/.test(l))).toBe(true);
      expect(stats.cpus).toBeGreaterThan(0);
      expect(stats.countsFull).toBe(0);
    } finally {
      child.kill();
      await waitExit(child);
    }
  });

  it('names the hot member function of a compiled C++ loop demangled, with its caller', async () => {
    const child = spawn(cppBinary, ['6'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const { lines, total } = await profileFor(2500, child.pid as number);
      expect(total).toBeGreaterThan(100);
      const value = (l: string) => Number(l.slice(l.lastIndexOf(' ') + 1));
      const hot = lines
        .filter((l) => l.includes('busy-loop-cpp!bathyscope_demo::Spinner::hotSpin(int) '))
        .reduce((a, l) => a + value(l), 0);
      expect(hot / total, lines.slice(0, 5).join('\n')).toBeGreaterThan(0.8);
      expect(
        lines.some((l) =>
          l.includes(
            'busy-loop-cpp!bathyscope_demo::Spinner::spinUntil(long);busy-loop-cpp!bathyscope_demo::Spinner::hotSpin(int)',
          ),
        ),
        lines.slice(0, 5).join('\n'),
      ).toBe(true);
      // No frame of the program itself is left mangled.
      expect(lines.filter((l) => /busy-loop-cpp!_Z/.test(l))).toEqual([]);
    } finally {
      child.kill();
      await waitExit(child);
    }
  });

  it('names JIT-compiled JavaScript through the perf map of node --perf-basic-prof', async () => {
    const child = spawn(
      process.execPath,
      ['--perf-basic-prof', '--no-turbo-inlining', path.join(__dirname, 'fixtures', 'busy-loop.cjs'), '8'],
      // cwd: node writes an isolate log next to itself with these flags.
      { stdio: 'ignore', cwd: os.tmpdir() },
    );
    try {
      // Let V8 tier the function up into optimised code, which is what the map names.
      await new Promise((r) => setTimeout(r, 1500));
      const { lines, total } = await profileFor(2500, child.pid as number);
      expect(total).toBeGreaterThan(100);
      const hot = lines
        .filter((l) => /\[jit\]![^;]*bathyscopeBusyJs[^;]*$/.test(l.slice(0, l.lastIndexOf(' '))))
        .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      expect(hot / total).toBeGreaterThan(0.5);
    } finally {
      child.kill();
      await waitExit(child);
      fs.rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
    }
  });

  it('detaches on close: the program is gone and 50 start/drain/close cycles keep RSS flat', async () => {
    const progIds = () => execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
    const before = JSON.parse(progIds()).filter((p: { name?: string }) => p.name === 'profile_cpu').length;
    for (let i = 0; i < 5; i++) {
      const p = new CpuProfiler();
      await p.start();
      await p.drain();
      p.close();
      p.close(); // idempotent
      await expect(p.drain()).rejects.toThrow(/closed/);
    }
    // The 50 cycles run in a child with --expose-gc, so garbage the JS heap has not collected yet does not read as a
    // leak: RSS after 10 cycles and after 50, each after a full GC.
    const script = `
      const { CpuProfiler } = require(${JSON.stringify(require.resolve('@bathyscope/native'))});
      (async () => {
        const rss = [];
        for (let i = 0; i < 50; i++) {
          const p = new CpuProfiler(); await p.start(); await p.drain(); p.close();
          if (i === 9 || i === 49) { global.gc(); rss.push(process.memoryUsage.rss()); }
        }
        process.stdout.write(JSON.stringify(rss));
      })();`;
    const rss = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' }),
    ) as number[];
    const after = JSON.parse(progIds()).filter((p: { name?: string }) => p.name === 'profile_cpu').length;
    expect(after).toBe(before);
    // 40 more cycles after warm-up: a leak of the maps' buffers or a skeleton would show as megabytes.
    expect((rss[1] as number) - (rss[0] as number)).toBeLessThan(8 << 20);
  });
});
