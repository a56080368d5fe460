// SPDX-License-Identifier: Apache-2.0
/**
 * The addon built with AddressSanitizer + UndefinedBehaviorSanitizer (native/scripts/build-sanitized.mjs →
 * native/build-asan/) runs the socket tracer and the CPU profiler through start → traffic → poll → close in a child
 * node with libasan preloaded (node itself is not instrumented, so the runtime must come first). Any sanitizer
 * report fails the test. Leak detection is off: node and V8 leave allocations at exit by design and LSan cannot tell
 * them from ours (a suppression matching node's frames would match every addon call from JS too); leaks are covered
 * by socket-tracer-cycles.spec.ts and the CPU profiler's cycle test (RSS after GC, fds, kernel objects).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeCapabilities } from './index';

const execFileAsync = promisify(execFile);
const SKIP = process.env.BATHYSCOPE_SKIP_EBPF === '1';
const NATIVE = path.join(__dirname, '..');
const ASAN_DIR = path.join(NATIVE, 'build-asan');
const ASAN_ADDON = path.join(ASAN_DIR, 'build', 'Release', 'bathyscope_native.node');
const ASAN_DIST_INDEX = path.join(ASAN_DIR, 'dist', 'index.js');
const WORKOUT = path.join(NATIVE, 'test', 'tracer-workout.cjs');

/** The lines of a sanitizer report in `stderr`, if any (ASan/LSan errors, UBSan runtime errors). */
export function sanitizerReports(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer/.test(l));
}

const mtime = (p: string) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);

/** The sanitized build is stale when any input of the product build is newer than it. */
function sanitizedBuildIsStale(): boolean {
  const built = Math.min(mtime(ASAN_ADDON), mtime(ASAN_DIST_INDEX));
  if (built === 0) return true;
  const inputs = [
    path.join(NATIVE, 'binding.gyp'),
    path.join(NATIVE, 'dist', 'index.js'),
    ...fs.readdirSync(path.join(NATIVE, 'src')).map((f) => path.join(NATIVE, 'src', f)),
    ...fs
      .readdirSync(path.join(NATIVE, '..', 'bpf', '.output'))
      .filter((f) => f.endsWith('.skel.h'))
      .map((f) => path.join(NATIVE, '..', 'bpf', '.output', f)),
  ];
  return inputs.some((f) => mtime(f) > built);
}

function runWithAsan(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        LD_PRELOAD: libasan,
        ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:detect_stack_use_after_return=0',
        UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sanitizer report matcher', () => {
  it('recognises a real AddressSanitizer report (a heap overflow compiled with -fsanitize=address)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-asan-control-'));
    try {
      const src = path.join(dir, 'overflow.c');
      fs.writeFileSync(
        src,
        '#include <stdlib.h>\nint main(int c, char **v) { (void)v; char *p = malloc(8); p[8 + c] = 1; free(p); return 0; }\n',
      );
      execFileSync('gcc', ['-fsanitize=address,undefined', '-g', '-o', path.join(dir, 'overflow'), src]);
      let stderr = '';
      try {
        execFileSync(path.join(dir, 'overflow'), { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        stderr = (err as { stderr: string }).stderr;
      }
      expect(sanitizerReports(stderr).join('\n')).toMatch(/heap-buffer-overflow/);
      expect(sanitizerReports('all good\nevents: 12\n')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(SKIP)('addon under AddressSanitizer + UBSan', () => {
  beforeAll(async () => {
    if (!sanitizedBuildIsStale()) return;
    // The same lock as the product build: both run node-gyp over the same sources and bpf/.output.
    const script = path.join(NATIVE, 'scripts', 'build-sanitized.mjs');
    const flock = fs.existsSync('/usr/bin/flock');
    try {
      // Asynchronously: a build of a minute or two must not block the worker's RPC with vitest.
      await execFileAsync(
        flock ? 'flock' : process.execPath,
        flock ? ['/tmp/native-build.lock', process.execPath, script] : [script],
        { timeout: 240_000, maxBuffer: 64 << 20 },
      );
    } catch (err) {
      const e = err as { stderr?: Buffer; stdout?: Buffer };
      throw new Error(
        `sanitized build failed:\n${String(e.stdout ?? '').slice(-3000)}\n${String(e.stderr ?? '').slice(-3000)}`,
      );
    }
  }, 300_000);

  it('runs socket tracer and CPU profiler start/poll/stop with traffic, and the demanglers on mutated names, without a sanitizer report', {
    timeout: 180_000,
  }, async () => {
    const caps = probeCapabilities();
    if (!caps.ok && !caps.tracefsMountable) throw new Error(`eBPF unavailable: ${caps.problems.join('; ')}`);
    const { code, stdout, stderr } = await runWithAsan(['--expose-gc', WORKOUT, ASAN_DIST_INDEX, '5', '--profiler']);
    expect(sanitizerReports(stderr)).toEqual([]);
    expect({ code, stderr: stderr.slice(-2000) }).toEqual({ code: 0, stderr: expect.any(String) });
    const report = JSON.parse(stdout) as {
      minEventsPerCycle: number;
      addonMapped: string[];
      asanMapped: boolean;
      heldAtEnd: { progs: number[]; maps: number[] };
      demangled: number;
    };
    // It really was the sanitized addon, with the ASan runtime loaded, and it really traced.
    expect(report.addonMapped).toEqual([fs.realpathSync(ASAN_ADDON)]);
    expect(report.asanMapped).toBe(true);
    expect(report.minEventsPerCycle).toBeGreaterThan(0);
    expect(report.heldAtEnd).toEqual({ progs: [], maps: [] });
    // The demanglers ran (C++ and Rust v0) on 20 000 mutated names; some of them still read as names.
    expect(report.demangled).toBeGreaterThan(100);
  });
});
