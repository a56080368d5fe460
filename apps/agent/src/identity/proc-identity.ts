import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CgroupIdentity, EMPTY_CGROUP_IDENTITY, parseCgroupPath, pickCgroupPath } from './cgroup-path';

/** Linux's USER_HZ: /proc/<pid>/stat counts start time in these ticks since boot. */
const USER_HZ = 100;
/** Command lines are capped: a JVM's can be tens of kilobytes, and it repeats on every row of the process. */
export const MAX_CMDLINE = 512;
const MAX_COMM = 16;

export interface ProcessIdentity extends CgroupIdentity {
  pid: number;
  /** The kernel's comm (at most 15 bytes). */
  comm: string;
  /** argv joined by spaces, capped at MAX_CMDLINE characters. */
  cmdline: string;
  /** Start time in clock ticks since boot: with the pid, identifies the process (pids are reused). */
  startTicks: number;
  /** Start time, unix microseconds. */
  startTimeUs: number;
  cgroupPath: string;
  /** Inode of the process's cgroup v2 directory, which is the id `bpf_get_current_cgroup_id()` returns; 0 if unknown. */
  cgroupId: number;
}

export interface ProcStatHead {
  comm: string;
  startTicks: number;
}

/**
 * comm and start time from /proc/<pid>/stat. comm is in parentheses and may itself contain spaces and `)`, so the
 * fields after it are counted from the last `)`. Returns null for text that does not have that shape.
 */
export function parseProcPidStat(text: string): ProcStatHead | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');
  // After comm: state is field 3, starttime field 22 → index 19 of the rest.
  const start = Number(rest[19]);
  if (!Number.isSafeInteger(start) || start < 0) return null;
  return { comm: text.slice(open + 1, close).slice(0, MAX_COMM), startTicks: start };
}

/** argv from /proc/<pid>/cmdline (NUL-separated), joined by spaces and capped. */
export function parseCmdline(raw: Buffer | string): string {
  const s = typeof raw === 'string' ? raw : raw.toString('utf8');
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return s.slice(0, Math.min(end, MAX_CMDLINE)).replaceAll('\0', ' ');
}

export interface ProcReaderOptions {
  procRoot?: string;
  /** Where the unified cgroup hierarchy is mounted; found in /proc/self/mounts when not given. */
  cgroup2Root?: string | null;
}

/** Reads process identities from /proc. Every read tolerates a process that exits meanwhile (null). */
export class ProcIdentityReader {
  readonly procRoot: string;
  private readonly cgroup2Root: string | null;
  private bootTimeUs: number | null = null;

  constructor(options: ProcReaderOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.cgroup2Root = options.cgroup2Root !== undefined ? options.cgroup2Root : findCgroup2Root(this.procRoot);
  }

  /** comm and start time only: one small read, used to revalidate a cached identity. */
  statHead(pid: number): ProcStatHead | null {
    try {
      return parseProcPidStat(fs.readFileSync(path.join(this.procRoot, String(pid), 'stat'), 'latin1'));
    } catch {
      return null;
    }
  }

  read(pid: number, head: ProcStatHead | null = this.statHead(pid)): ProcessIdentity | null {
    if (!head) return null;
    const dir = path.join(this.procRoot, String(pid));
    let cmdline = '';
    let cgroupText = '';
    try {
      cmdline = parseCmdline(readCapped(path.join(dir, 'cmdline'), MAX_CMDLINE * 4));
      cgroupText = fs.readFileSync(path.join(dir, 'cgroup'), 'utf8');
    } catch {
      // Exited between the reads: what was read still names it; the cache revalidates soon anyway.
    }
    const picked = pickCgroupPath(cgroupText);
    const names = picked ? parseCgroupPath(picked.path) : EMPTY_CGROUP_IDENTITY;
    return {
      pid,
      comm: head.comm,
      cmdline,
      startTicks: head.startTicks,
      startTimeUs: this.bootTime() + Math.round((head.startTicks * 1e6) / USER_HZ),
      cgroupPath: picked?.path ?? '',
      cgroupId: this.cgroupId(cgroupText),
      ...names,
    };
  }

  /** The v2 (unified) path's directory inode; hybrid hosts have it next to the v1 hierarchies. */
  private cgroupId(cgroupText: string): number {
    if (!this.cgroup2Root) return 0;
    const line = cgroupText.split('\n').find((l) => l.startsWith('0::'));
    if (!line) return 0;
    try {
      return Number(fs.statSync(path.join(this.cgroup2Root, line.slice(3)), { bigint: true }).ino);
    } catch {
      return 0;
    }
  }

  private bootTime(): number {
    if (this.bootTimeUs === null) {
      try {
        const m = /^btime (\d+)$/m.exec(fs.readFileSync(path.join(this.procRoot, 'stat'), 'latin1'));
        this.bootTimeUs = m ? Number(m[1]) * 1e6 : 0;
      } catch {
        this.bootTimeUs = 0;
      }
    }
    return this.bootTimeUs;
  }
}

function readCapped(file: string, max: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(max);
    const n = fs.readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function findCgroup2Root(procRoot: string): string | null {
  try {
    for (const line of fs.readFileSync(path.join(procRoot, 'self', 'mounts'), 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f[2] === 'cgroup2' && f[1]) return f[1];
    }
  } catch {
    // No mounts to read: no cgroup ids.
  }
  return null;
}
