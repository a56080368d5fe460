import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSource } from './byte-source';
import { type DemangleFn, Demangler, type DemanglerStats, isMangled } from './demangler';
import { ElfSymbolTable } from './elf-symbols';
import { cleanFrame } from './folded-stacks';
import { KernelSymbols } from './kallsyms';
import { PerfMap } from './perf-map';
import { type ExecMapping, findMapping, parseProcMaps, sameMappings } from './proc-maps';
import { hashStackWords, StackCache, type StackPart } from './stack-cache';

export interface SymbolizerOptions {
  /** `/proc`; tests point it elsewhere. */
  procRoot?: string;
  /** ELF symbol tables kept (LRU) and the bytes they may hold together. */
  maxElfFiles?: number;
  maxElfBytes?: number;
  /** Processes whose maps and perf map are kept; one not sampled for `forgetAfterIntervals` is dropped. */
  maxProcesses?: number;
  forgetAfterIntervals?: number;
  /** Bytes of a perf map read per process per interval (a JIT can write megabytes at start-up). */
  perfMapReadBytes?: number;
  /** Intervals between re-reads of a process's maps (sooner when an address falls outside them). */
  mapsRefreshIntervals?: number;
  /** Symbolized stacks kept across intervals (user stacks of all processes together; kernel stacks apart). */
  maxCachedStacks?: number;
  /** C++/Rust symbol names → readable ones; default the addon's `demangle` (libstdc++'s `abi::__cxa_demangle`). */
  demangle?: DemangleFn;
}

const ANON = '[anon]';
const UNKNOWN = '[unknown]';

/** Intervals a cached stack survives unused (a sweep per interval: O(cached stacks), well under a millisecond). */
const STACK_KEEP_INTERVALS = 3;

/** Cached frames per process and for the kernel; beyond it the cache starts over. */
const MAX_CACHED_FRAMES = 65_536;

interface ProcessState {
  /** This incarnation of the process's code layout: stacks cached under an older one are never returned. */
  generation: number;
  maps: ExecMapping[];
  mapsText: string;
  mapsInterval: number;
  /** /proc/<pid>/stat start time: a reused pid is a new process. */
  startTime: number;
  /** Resolved frames by address: hot code is resolved once, not once per interval. Cleared when the maps change. */
  frames: Map<number, string>;
  /** Some code of it was anonymous: its perf map (if any) is followed every interval, even when every address hits the cache. */
  sawAnonymous: boolean;
  /** Its maps hold anonymous executable memory: a JIT runtime, whose perf map may name code the maps do not show. */
  jitMemory: boolean;
  /** The pid inside its own namespace (names its perf map); read once, -1 until then. */
  nsPid: number;
  perfMap: PerfMap | null;
  perfMapIno: number;
  perfMapOffset: number;
  perfMapInterval: number;
  lastSeen: number;
}

export interface SymbolizerStats {
  elfFiles: number;
  elfBytes: number;
  elfErrors: number;
  processes: number;
  perfMapEntries: number;
  unknownFrames: number;
  cachedUserStacks: number;
  cachedKernelStacks: number;
  /** Stacks symbolized frame by frame (cache misses) since start. */
  stacksResolved: number;
  /** Stacks answered from the cache since start. */
  stacksCached: number;
  demangler: DemanglerStats;
}

/** An ELF frame whose mangled name waits for its stack's names to be demangled together. */
interface PendingName {
  name: string;
  module: string;
  table: ElfSymbolTable | null;
  fileOffset: number;
}

/**
 * Turns instruction pointers into frames on the agent: user addresses through the process's executable mappings to
 * the ELF symbols of the mapped file (read through /proc/<pid>/root, so containers' files resolve too) or, for
 * anonymous JIT code, the runtime's /tmp/perf-<pid>.map; kernel addresses through /proc/kallsyms. Frames read
 * `module!function`, or `module+0xoffset` when the module has no symbol there.
 */
export class Symbolizer {
  private readonly procRoot: string;
  private readonly elf = new Map<string, ElfSymbolTable | null>();
  /** Frames by file offset per ELF file: processes running the same binaries (every node, every libc) share them. */
  private readonly fileFrames = new Map<ElfSymbolTable, Map<number, string>>();
  private elfBytes = 0;
  private elfErrors = 0;
  private unknownFrames = 0;
  private readonly processes = new Map<number, ProcessState>();
  private kernel: KernelSymbols | null = null;
  private readonly kernelCache = new Map<bigint, string>();
  private interval = 0;
  private readonly o: Required<Omit<SymbolizerOptions, 'procRoot' | 'demangle'>>;
  private readonly userStacks: StackCache;
  private readonly kernelStacks: StackCache;
  /** Source of StackPart ids and process generations (never reused). */
  private nextId = 1;
  private stacksResolved = 0;
  private stacksCached = 0;
  private readonly demangler: Demangler;
  /** Names userFrame met during one resolveUser that the demangler had not seen (see resolveUser). */
  private readonly pending: PendingName[] = [];

  constructor(options: SymbolizerOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.o = {
      maxElfFiles: options.maxElfFiles ?? 512,
      maxElfBytes: options.maxElfBytes ?? 256 << 20,
      maxProcesses: options.maxProcesses ?? 8192,
      forgetAfterIntervals: options.forgetAfterIntervals ?? 6,
      perfMapReadBytes: options.perfMapReadBytes ?? 16 << 20,
      mapsRefreshIntervals: options.mapsRefreshIntervals ?? 6,
      maxCachedStacks: options.maxCachedStacks ?? 32_768,
    };
    this.demangler = new Demangler(options.demangle);
    this.userStacks = new StackCache(this.o.maxCachedStacks);
    this.kernelStacks = new StackCache(Math.max(1, this.o.maxCachedStacks >> 2));
  }

  /** Call once per aggregation interval: maps and perf maps are re-read at most once per interval. */
  beginInterval(): void {
    this.interval++;
    for (const [pid, p] of this.processes) {
      if (this.interval - p.lastSeen > this.o.forgetAfterIntervals) this.processes.delete(pid);
    }
    // Stacks of exited processes and of code no longer running age out fast: on a host that starts many short
    // processes most stacks are never seen again, and keeping them would only grow the heap every GC walks.
    const keepFrom = this.interval - STACK_KEEP_INTERVALS;
    this.userStacks.sweep(keepFrom);
    this.kernelStacks.sweep(keepFrom);
  }

  stats(): SymbolizerStats {
    let perfMapEntries = 0;
    for (const p of this.processes.values()) perfMapEntries += p.perfMap?.size ?? 0;
    return {
      elfFiles: this.elf.size,
      elfBytes: this.elfBytes,
      elfErrors: this.elfErrors,
      processes: this.processes.size,
      perfMapEntries,
      unknownFrames: this.unknownFrames,
      cachedUserStacks: this.userStacks.size,
      cachedKernelStacks: this.kernelStacks.size,
      stacksResolved: this.stacksResolved,
      stacksCached: this.stacksCached,
      demangler: this.demangler.stats(),
    };
  }

  /** The kernel stack `ips` (leaf first), symbolized once and then answered from the cache. */
  kernelStack(ips: BigUint64Array): StackPart {
    const words = new Uint32Array(ips.buffer, ips.byteOffset, ips.length * 2);
    const hash = hashStackWords(words, 0);
    const hit = this.kernelStacks.get(words, 0, hash, this.interval);
    if (hit) {
      this.stacksCached++;
      return hit;
    }
    this.stacksResolved++;
    const part: StackPart = { id: this.nextId++, frames: this.kernelFrames(ips) };
    this.kernelStacks.set(words, 0, hash, part, this.interval);
    return part;
  }

  /**
   * The user stack `ips` of process `pid`, symbolized once per code layout of the process: a changed maps file, new
   * perf map lines or a reused pid start over (the process's generation changes, so older entries never match).
   */
  userStack(pid: number, ips: BigUint64Array): StackPart {
    const proc = this.process(pid);
    const words = new Uint32Array(ips.buffer, ips.byteOffset, ips.length * 2);
    const hash = hashStackWords(words, proc.generation);
    const hit = this.userStacks.get(words, proc.generation, hash, this.interval);
    if (hit) {
      this.stacksCached++;
      return hit;
    }
    this.stacksResolved++;
    const part: StackPart = { id: this.nextId++, frames: this.resolveUser(pid, proc, words) };
    // Resolving may have re-read the maps or perf map (a new generation): file it under the one it was resolved with.
    this.userStacks.set(words, proc.generation, hashStackWords(words, proc.generation), part, this.interval);
    return part;
  }

  /** Kernel frames, leaf first. */
  kernelFrames(ips: BigUint64Array): string[] {
    if (!this.kernel) this.kernel = this.loadKallsyms();
    const out: string[] = new Array(ips.length);
    for (let i = 0; i < ips.length; i++) {
      const ip = ips[i] as bigint;
      let frame = this.kernelCache.get(ip);
      if (frame === undefined) {
        const found = this.kernel.lookup(ip);
        if (found === null) this.unknownFrames++;
        frame = cleanFrame(found ?? `[kernel]+0x${ip.toString(16)}`);
        if (this.kernelCache.size >= MAX_CACHED_FRAMES) this.kernelCache.clear();
        this.kernelCache.set(ip, frame);
      }
      out[i] = frame;
    }
    return out;
  }

  /**
   * User frames of process `pid`, leaf first. Code nothing can name (anonymous memory without a perf map) reads
   * `[anon]`, one frame per run: its addresses mean nothing once the process is gone, and without them identical
   * stacks fold together.
   */
  userFrames(pid: number, ips: BigUint64Array): string[] {
    return [...this.userStack(pid, ips).frames];
  }

  /** Frame by frame, through the process's per-address cache (words: the addresses as little-endian u32 pairs). */
  private resolveUser(pid: number, proc: ProcessState, words: Uint32Array): string[] {
    const out: string[] = [];
    // Frames of this stack whose names wait to be demangled: (index in out, address), in the order of this.pending.
    let slots: number[] | null = null;
    this.pending.length = 0;
    for (let i = 0; i < words.length; i += 2) {
      const hi = words[i + 1] as number;
      // Above 2^53: not a user-space address (and not exact as a number).
      if (hi > 0x1f_ffff) {
        if (out[out.length - 1] !== UNKNOWN) out.push(UNKNOWN);
        this.unknownFrames++;
        continue;
      }
      const raw = hi * 0x1_0000_0000 + (words[i] as number);
      // Callers' addresses are return addresses, one past the call: the call itself may be the last
      // instruction of the function, so look up the byte before.
      const ip = raw - (i > 0 ? 1 : 0);
      let frame = proc.frames.get(ip);
      if (frame === undefined) {
        const waiting = this.pending.length;
        frame = cleanFrame(this.userFrame(pid, proc, ip, raw));
        if (this.pending.length > waiting) {
          // Named once the stack's names are demangled (below); cached only then.
          slots ??= [];
          slots.push(out.length, ip);
        } else {
          if (proc.frames.size >= MAX_CACHED_FRAMES) proc.frames.clear();
          proc.frames.set(ip, frame);
        }
      }
      if ((frame !== ANON && frame !== UNKNOWN) || out[out.length - 1] !== frame) out.push(frame);
    }
    if (slots) this.demanglePending(proc, out, slots);
    return out;
  }

  /**
   * One demangler call for the names a stack met for the first time (the batch the addon is built for); the readable
   * frames replace the mangled ones in `out` and go into the per-address and per-file caches, so the next stack with
   * these functions finds them there.
   */
  private demanglePending(proc: ProcessState, out: string[], slots: number[]): void {
    const pending = this.pending;
    const readable = this.demangler.demangleAll(pending.map((p) => p.name));
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k] as PendingName;
      const frame = cleanFrame(`${p.module}!${readable[k]}`);
      out[slots[2 * k] as number] = frame;
      if (proc.frames.size >= MAX_CACHED_FRAMES) proc.frames.clear();
      proc.frames.set(slots[2 * k + 1] as number, frame);
      if (p.table) this.cacheFileFrame(p.table, p.fileOffset, frame);
    }
    pending.length = 0;
  }

  private cacheFileFrame(table: ElfSymbolTable, fileOffset: number, frame: string): void {
    let byOffset = this.fileFrames.get(table);
    if (!byOffset) {
      byOffset = new Map();
      this.fileFrames.set(table, byOffset);
    }
    if (byOffset.size >= MAX_CACHED_FRAMES) byOffset.clear();
    byOffset.set(fileOffset, frame);
  }

  /** Cached frames and stacks of the process no longer hold (its code layout or JIT names changed). */
  private forgetFrames(p: ProcessState): void {
    p.frames.clear();
    p.generation = this.nextId++;
  }

  private userFrame(pid: number, proc: ProcessState, ip: number, raw: number): string {
    let m = findMapping(proc.maps, ip);
    // Code mapped since the maps were read (dlopen, a new JIT region): read them again, once per interval.
    if (!m && proc.mapsInterval !== this.interval) {
      this.readMaps(pid, proc);
      m = findMapping(proc.maps, ip);
    }
    if (m && m.path !== '' && !m.path.startsWith('[')) {
      const fileOffset = ip - m.start + m.offset;
      const table = this.elfTable(pid, m);
      const cached = table ? this.fileFrames.get(table)?.get(fileOffset) : undefined;
      if (cached !== undefined) return cached;
      const module = path.basename(m.path);
      const vaddr = table?.vaddrOfFileOffset(fileOffset) ?? null;
      let name = vaddr === null ? null : (table?.lookup(vaddr) ?? null);
      if (name === null) this.unknownFrames++;
      else if (isMangled(name)) {
        const readable = this.demangler.cached(name);
        if (readable === undefined) {
          // Demangled with the rest of its stack's new names in one call (resolveUser), then cached.
          this.pending.push({ name, module, table, fileOffset });
          return `${module}!${name}`;
        }
        name = readable;
      }
      const frame = cleanFrame(name !== null ? `${module}!${name}` : `${module}+0x${fileOffset.toString(16)}`);
      if (table) this.cacheFileFrame(table, fileOffset, frame);
      return frame;
    }
    if (m?.path.startsWith('[')) return `${m.path}+0x${(raw - m.start).toString(16)}`;
    if (!m && !proc.jitMemory) {
      // No executable mapping holds it, and the process has no JIT memory: a caller's slot read through a library
      // built without frame pointers, which no perf map names. Such processes never pay for looking one up (their
      // namespace pid, a failing open), which was most of what a short-lived process's first stacks cost. A JIT
      // runtime still looks: its code pages come and go (committed, moved, re-protected), so maps read at one moment
      // can miss code its perf map names.
      this.unknownFrames++;
      return UNKNOWN;
    }
    proc.sawAnonymous = true;
    const jit = this.perfMap(pid, proc)?.lookup(ip) ?? null;
    if (jit !== null) return `[jit]!${jit}`;
    this.unknownFrames++;
    return m ? ANON : UNKNOWN;
  }

  private process(pid: number): ProcessState {
    let p = this.processes.get(pid);
    // Checked once per interval: a process has many stacks per interval.
    if (p && p.lastSeen === this.interval) return p;
    const startTime = processStartTime(this.procRoot, pid);
    if (p && p.startTime !== startTime) {
      this.processes.delete(pid);
      p = undefined;
    }
    if (!p) {
      if (this.processes.size >= this.o.maxProcesses) {
        const oldest = this.processes.keys().next().value;
        if (oldest !== undefined) this.processes.delete(oldest);
      }
      p = {
        generation: this.nextId++,
        maps: [],
        mapsText: '',
        mapsInterval: -1,
        startTime,
        frames: new Map(),
        sawAnonymous: false,
        jitMemory: false,
        nsPid: -1,
        perfMap: null,
        perfMapIno: 0,
        perfMapOffset: 0,
        perfMapInterval: -1,
        lastSeen: 0,
      };
      this.processes.set(pid, p);
      this.readMaps(pid, p);
    } else if (this.interval - p.mapsInterval >= this.o.mapsRefreshIntervals) {
      this.readMaps(pid, p);
    }
    p.lastSeen = this.interval;
    // Cached frames of JIT code would otherwise never see the names the runtime writes later.
    if (p.sawAnonymous) this.perfMap(pid, p);
    return p;
  }

  private readMaps(pid: number, p: ProcessState): void {
    p.mapsInterval = this.interval;
    let text: string;
    try {
      text = fs.readFileSync(`${this.procRoot}/${pid}/maps`, 'latin1');
    } catch {
      // Exited since it was sampled: the previous maps are better than none.
      return;
    }
    if (text === p.mapsText) return;
    p.mapsText = text;
    // Data mappings (heap, stacks, a JIT's heap pages) change all the time and do not move code: only a change of
    // the executable mappings invalidates what was resolved through them.
    const maps = parseProcMaps(text);
    if (sameMappings(maps, p.maps)) return;
    p.maps = maps;
    p.jitMemory = maps.some((m) => m.path === '');
    this.forgetFrames(p);
  }

  private elfTable(pid: number, m: ExecMapping): ElfSymbolTable | null {
    const key = `${m.dev}:${m.inode}`;
    const cached = this.elf.get(key);
    if (cached !== undefined) {
      // Map order is the LRU order.
      this.elf.delete(key);
      this.elf.set(key, cached);
      return cached;
    }
    // The process's view of the file: through its root (containers), or the mapping itself once deleted.
    const file = m.deleted
      ? `${this.procRoot}/${pid}/map_files/${m.start.toString(16)}-${m.end.toString(16)}`
      : `${this.procRoot}/${pid}/root${m.path}`;
    let table: ElfSymbolTable | null = null;
    let fd = -1;
    try {
      fd = fs.openSync(file, 'r');
      table = ElfSymbolTable.read(new FileSource(fd));
    } catch {
      this.elfErrors++;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
    this.elf.set(key, table);
    this.elfBytes += table?.retainedBytes ?? 0;
    while (this.elf.size > this.o.maxElfFiles || this.elfBytes > this.o.maxElfBytes) {
      const [oldKey, oldTable] = this.elf.entries().next().value as [string, ElfSymbolTable | null];
      if (oldKey === key) break;
      this.elf.delete(oldKey);
      if (oldTable) this.fileFrames.delete(oldTable);
      this.elfBytes -= oldTable?.retainedBytes ?? 0;
    }
    return table;
  }

  private perfMap(pid: number, p: ProcessState): PerfMap | null {
    if (p.perfMapInterval === this.interval) return p.perfMap;
    p.perfMapInterval = this.interval;
    if (p.nsPid < 0) p.nsPid = namespacePid(this.procRoot, pid);
    const file = `${this.procRoot}/${pid}/root/tmp/perf-${p.nsPid}.map`;
    let fd = -1;
    try {
      fd = fs.openSync(file, 'r');
      const st = fs.fstatSync(fd);
      if (!p.perfMap || st.ino !== p.perfMapIno || st.size < p.perfMapOffset) {
        p.perfMap = new PerfMap();
        p.perfMapIno = st.ino;
        p.perfMapOffset = 0;
      }
      const length = Math.min(st.size - p.perfMapOffset, this.o.perfMapReadBytes);
      if (length > 0) {
        const buf = Buffer.allocUnsafe(length);
        const n = fs.readSync(fd, buf, 0, length, p.perfMapOffset);
        p.perfMapOffset += n;
        p.perfMap.append(buf.toString('latin1', 0, n));
        // New JIT code may name addresses cached as unknown (or move code): resolve again.
        if (n > 0) this.forgetFrames(p);
      }
    } catch {
      // No perf map: this process runs no JIT that writes one.
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
    return p.perfMap;
  }

  private loadKallsyms(): KernelSymbols {
    try {
      return KernelSymbols.parse(fs.readFileSync(`${this.procRoot}/kallsyms`, 'latin1'));
    } catch {
      return KernelSymbols.parse('');
    }
  }
}

/** Reused for every /proc/<pid>/stat read (read once per process per interval: no allocation per read). */
const statBuf = Buffer.allocUnsafe(1024);

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), -1 when unreadable. */
export function processStartTime(procRoot: string, pid: number): number {
  let fd = -1;
  let n = 0;
  try {
    fd = fs.openSync(`${procRoot}/${pid}/stat`, 'r');
    n = fs.readSync(fd, statBuf, 0, statBuf.length, 0);
  } catch {
    return -1;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  return parseStatStartTime(statBuf, n);
}

/** Start time from the first `length` bytes of a stat line; -1 when malformed. Fields after the comm's last ')'. */
export function parseStatStartTime(buf: Uint8Array, length: number): number {
  let at = -1;
  for (let i = length - 1; i >= 0; i--) {
    if (buf[i] === 0x29) {
      at = i;
      break;
    }
  }
  if (at < 0) return -1;
  // ") S ppid …": field 3 (state) starts at at+2; start time is field 22, so skip 19 spaces after the state.
  let field = 3;
  let i = at + 2;
  while (i < length && field < 22) {
    if (buf[i] === 0x20) field++;
    i++;
  }
  let v = 0;
  let digits = 0;
  for (; i < length && digits < 16; i++, digits++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  return field === 22 && digits > 0 ? v : -1;
}

let ownPidNamespace: string | undefined;

/** The pid inside the process's own pid namespace (the name its runtime gives the perf map). */
function namespacePid(procRoot: string, pid: number): number {
  // A process in the agent's own pid namespace (most of them) has the same pid there: one readlink instead of
  // formatting and parsing /proc/<pid>/status.
  try {
    ownPidNamespace ??= fs.readlinkSync(`${procRoot}/self/ns/pid`);
    if (fs.readlinkSync(`${procRoot}/${pid}/ns/pid`) === ownPidNamespace) return pid;
  } catch {
    // No ns links (an old kernel, a test's /proc): read status.
  }
  try {
    const m = /^NSpid:\s*([\d\s]+)$/m.exec(fs.readFileSync(`${procRoot}/${pid}/status`, 'latin1'));
    const last = m?.[1]?.trim().split(/\s+/).pop();
    return last ? Number(last) : pid;
  } catch {
    return pid;
  }
}
