import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { demangle } from '@bathyscope/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Symbolizer } from './symbolizer';

// A /proc-shaped directory (maps, stat, status, root/…) so the symbolizer reads real files laid out as the kernel
// lays them out, with contents the test controls.
const procRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-proc-'));
const pid = 4242;
const dir = path.join(procRoot, String(pid));
let hotVaddr = 0;
/** The same program built with the hot function renamed: identical layout, another name at the same address. */
let renamedBin = '';
/** Addresses of the C++ fixture's hot member function and its caller (mangled in the ELF symbol table). */
let cppHot = 0;
let cppCaller = 0;

function writeProcess(startTime: string, maps: string): void {
  fs.mkdirSync(path.join(dir, 'root', 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'maps'), maps);
  fs.writeFileSync(path.join(dir, 'stat'), `${pid} (busy loop) R ${'1 '.repeat(18)}${startTime} 0 0\n`);
  fs.writeFileSync(path.join(dir, 'status'), `Name:\tbusy\nNSpid:\t${pid}\t7\n`);
}

describe('Symbolizer', () => {
  beforeAll(() => {
    const bin = path.join(dir, 'root', 'opt', 'busy-loop');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    execFileSync('cc', ['-O1', '-o', bin, path.join(__dirname, 'fixtures', 'busy-loop.c')]);
    const line = execFileSync('readelf', ['-W', '--syms', bin], { encoding: 'utf8' })
      .split('\n')
      .find((l) => / bathyscope_hot_spin$/.test(l));
    hotVaddr = Number.parseInt(line?.trim().split(/\s+/)[1] ?? '0', 16);
    const cpp = path.join(dir, 'root', 'opt', 'busy-loop-cpp');
    execFileSync('g++', ['-O1', '-o', cpp, path.join(__dirname, 'fixtures', 'busy-loop.cc')]);
    const syms = execFileSync('readelf', ['-W', '--syms', cpp], { encoding: 'utf8' }).split('\n');
    const vaddrOf = (name: string) =>
      Number.parseInt(
        syms
          .find((l) => l.endsWith(` ${name}`))
          ?.trim()
          .split(/\s+/)[1] ?? '0',
        16,
      );
    cppHot = vaddrOf('_ZN15bathyscope_demo7Spinner7hotSpinEi');
    cppCaller = vaddrOf('_ZN15bathyscope_demo7Spinner9spinUntilEl');
    renamedBin = path.join(procRoot, 'renamed-busy-loop');
    execFileSync('cc', [
      '-O1',
      '-Dbathyscope_hot_spin=bathyscope_new_spin',
      '-o',
      renamedBin,
      path.join(__dirname, 'fixtures', 'busy-loop.c'),
    ]);
  });
  afterAll(() => fs.rmSync(procRoot, { recursive: true, force: true }));

  it('names ELF code through maps and PT_LOAD, and JIT code through the perf map the runtime writes later', () => {
    // The PIE binary mapped from file offset 0 at `base`: its PT_LOADs put vaddr == file offset, so base + vaddr.
    const base = 0x5555_0000_0000;
    writeProcess(
      '100',
      `${base.toString(16)}-${(base + 0x10_0000).toString(16)} r-xp 00000000 fd:01 99 /opt/busy-loop\n` +
        '7f0000000000-7f0000100000 r-xp 00000000 00:00 0 \n',
    );
    const sym = new Symbolizer({ procRoot });
    sym.beginInterval();
    const jitIp = 0x7f00_0000_1234n;
    const [elfFrame, anon] = sym.userFrames(pid, new BigUint64Array([BigInt(base + hotVaddr + 2), jitIp]));
    expect(elfFrame).toBe('busy-loop!bathyscope_hot_spin');
    expect(anon).toBe('[anon]');

    // The runtime (as the process sees it, pid 7 in its namespace) names that code afterwards.
    fs.writeFileSync(path.join(dir, 'root', 'tmp', 'perf-7.map'), '7f0000001000 400 JS:*hotJs /app.js:1:1\n');
    sym.beginInterval();
    expect(sym.userFrames(pid, new BigUint64Array([jitIp]))).toEqual(['[jit]!JS:*hotJs /app.js:1:1']);

    // A reused pid is another process: nothing cached from the first survives.
    writeProcess('200', '7f0000000000-7f0000100000 r-xp 00000000 00:00 0 \n');
    fs.rmSync(path.join(dir, 'root', 'tmp', 'perf-7.map'));
    sym.beginInterval();
    expect(sym.userFrames(pid, new BigUint64Array([BigInt(base + hotVaddr + 2), jitIp, jitIp + 1n]))).toEqual([
      '[unknown]',
      '[anon]',
    ]);
  });

  it('looks for a perf map outside executable mappings only in JIT runtimes (anonymous executable memory)', () => {
    const base = 0x5557_0000_0000;
    const elf = `${base.toString(16)}-${(base + 0x10_0000).toString(16)} r-xp 00000000 fd:01 99 /opt/busy-loop\n`;
    writeProcess('300', elf);
    // A perf map that claims an address no executable mapping holds.
    fs.writeFileSync(path.join(dir, 'root', 'tmp', 'perf-7.map'), '7f0000001000 400 JS:*moved /app.js:1:1\n');
    try {
      // No JIT memory: a caller's slot read without frame pointers, never looked up.
      const sym = new Symbolizer({ procRoot });
      sym.beginInterval();
      const addr = 0x7f00_0000_1234n;
      expect(sym.userFrames(pid, new BigUint64Array([BigInt(base + hotVaddr + 2), addr]))).toEqual([
        'busy-loop!bathyscope_hot_spin',
        '[unknown]',
      ]);
      // A JIT runtime: its code pages come and go, so maps read at one moment can miss code its perf map names;
      // there the perf map is still asked.
      writeProcess('301', `${elf}7f1000000000-7f1000100000 rwxp 00000000 00:00 0 \n`);
      const jit = new Symbolizer({ procRoot });
      jit.beginInterval();
      expect(jit.userFrames(pid, new BigUint64Array([BigInt(base + hotVaddr + 2), addr]))).toEqual([
        'busy-loop!bathyscope_hot_spin',
        '[jit]!JS:*moved /app.js:1:1',
      ]);
    } finally {
      fs.rmSync(path.join(dir, 'root', 'tmp', 'perf-7.map'));
    }
  });

  it('demangles C++ names, one demangler call per stack for the names it has not seen', () => {
    const base = 0x5556_0000_0000;
    writeProcess(
      '400',
      `${base.toString(16)}-${(base + 0x10_0000).toString(16)} r-xp 00000000 fd:01 77 /opt/busy-loop-cpp\n`,
    );
    const calls: string[][] = [];
    const sym = new Symbolizer({
      procRoot,
      demangle: (names) => {
        calls.push([...names]);
        return demangle(names);
      },
    });
    sym.beginInterval();
    expect(cppHot).toBeGreaterThan(0);
    // Leaf, then its caller twice (recursion-shaped: the same return address).
    const stack = [cppHot + 2, cppCaller + 10, cppCaller + 10].map((a) => BigInt(base + a));
    expect(sym.userFrames(pid, new BigUint64Array(stack))).toEqual([
      'busy-loop-cpp!bathyscope_demo::Spinner::hotSpin(int)',
      'busy-loop-cpp!bathyscope_demo::Spinner::spinUntil(long)',
      'busy-loop-cpp!bathyscope_demo::Spinner::spinUntil(long)',
    ]);
    expect(calls).toEqual([['_ZN15bathyscope_demo7Spinner7hotSpinEi', '_ZN15bathyscope_demo7Spinner9spinUntilEl']]);
    // Other addresses in the same functions: named from the demangler's cache, no further call.
    const other = [cppHot + 5, cppCaller + 12].map((a) => BigInt(base + a));
    expect(sym.userFrames(pid, new BigUint64Array(other))).toEqual([
      'busy-loop-cpp!bathyscope_demo::Spinner::hotSpin(int)',
      'busy-loop-cpp!bathyscope_demo::Spinner::spinUntil(long)',
    ]);
    // The same addresses again (per-address cache) and a plain C name (never handed to the demangler).
    sym.beginInterval();
    expect(sym.userFrames(pid, new BigUint64Array(stack))[0]).toBe(
      'busy-loop-cpp!bathyscope_demo::Spinner::hotSpin(int)',
    );
    expect(calls).toHaveLength(1);
    expect(sym.stats().demangler).toMatchObject({ calls: 1, names: 2, errors: 0 });
  });

  it('answers a known stack from its cache across intervals, and starts over when the code under it changes', () => {
    const base = 0x5555_0000_0000;
    const binary = path.join(dir, 'root', 'opt', 'busy-loop');
    const original = fs.readFileSync(binary);
    const exe = (inode: number, file = '/opt/busy-loop') =>
      `${base.toString(16)}-${(base + 0x10_0000).toString(16)} r-xp 00000000 fd:01 ${inode} ${file}\n`;
    writeProcess('300', exe(99));
    const sym = new Symbolizer({ procRoot });
    const stack = new BigUint64Array([BigInt(base + hotVaddr + 2), BigInt(base + hotVaddr + 3)]);
    sym.beginInterval();
    expect(sym.userFrames(pid, stack)).toEqual(['busy-loop!bathyscope_hot_spin', 'busy-loop!bathyscope_hot_spin']);
    const resolved = sym.stats().stacksResolved;

    // Same stack later, with only data mappings changed (heap growth): the cache answers.
    writeProcess('300', `${exe(99)}7f1000000000-7f1000100000 rw-p 00000000 00:00 0 \n`);
    for (let i = 0; i < 7; i++) {
      sym.beginInterval();
      expect(sym.userStack(pid, stack).frames[0]).toBe('busy-loop!bathyscope_hot_spin');
    }
    expect(sym.stats().stacksResolved).toBe(resolved);
    expect(sym.stats().stacksCached).toBeGreaterThanOrEqual(7);

    // The library is replaced on disk (same path, new inode): the next maps read sees it, nothing stale is served.
    fs.copyFileSync(renamedBin, binary);
    writeProcess('300', exe(100));
    for (let i = 0; i < 7; i++) sym.beginInterval();
    expect(sym.userFrames(pid, stack)[0]).toBe('busy-loop!bathyscope_new_spin');

    // The process execs another program (same pid and start time, other mappings).
    fs.writeFileSync(path.join(dir, 'root', 'opt', 'other'), original);
    writeProcess('300', exe(101, '/opt/other'));
    for (let i = 0; i < 7; i++) sym.beginInterval();
    expect(sym.userFrames(pid, stack)[0]).toBe('other!bathyscope_hot_spin');
    fs.writeFileSync(binary, original);
  });
});
