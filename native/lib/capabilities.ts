// SPDX-License-Identifier: Apache-2.0
/** What this host offers the socket tracer, and mounting tracefs when it is missing. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { loadNativeAddon } from './addon';
import type { CapabilityReport } from './types';

const TRACEFS_DIRS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The tracefs root libbpf will use (it prefers debugfs's tracing/ when that exists), or null. */
export function tracefsRoot(): string | null {
  for (const dir of TRACEFS_DIRS) if (isDir(`${dir}/events`)) return dir;
  return null;
}

/** Mount points of tracefs per /proc/self/mounts (visible even when the directory is not readable). */
function tracefsMounts(): string[] {
  try {
    return fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((f) => f[2] === 'tracefs' && f[1] !== undefined)
      .map((f) => f[1]!);
  } catch {
    return [];
  }
}

function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return true; // unknown format: let the loader decide
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

/** Checks everything `SocketTracer.start()` needs, without loading anything into the kernel. */
export function probeCapabilities(): CapabilityReport {
  const problems: string[] = [];
  const kernel = os.release();
  const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
  const caps = effectiveCaps();
  const has = (bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;
  const capBpf = has(CAP_BPF);
  const capPerfmon = has(CAP_PERFMON);
  const capSysAdmin = has(CAP_SYS_ADMIN);

  if (os.platform() !== 'linux') problems.push(`eBPF needs Linux; this is ${os.platform()}.`);
  if (!kernelAtLeast(kernel, 5, 8)) {
    problems.push(`kernel ${kernel} is older than 5.8 (BPF ring buffer, bpf_probe_read_user): upgrade the kernel.`);
  }
  const btf = fs.existsSync('/sys/kernel/btf/vmlinux');
  if (!btf) problems.push('/sys/kernel/btf/vmlinux is missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y for CO-RE.');

  const tracefsDir = tracefsRoot();
  const mounts = tracefsMounts();
  const tracefs = tracefsDir !== null || mounts.length > 0;
  let tracefsMountable = false;
  if (tracefs && tracefsDir === null) {
    problems.push(
      `tracefs is mounted at ${mounts.join(', ')} but this user (uid ${process.geteuid?.()}) cannot read it: run as root.`,
    );
  } else if (!tracefs) {
    let known = false;
    try {
      known = /\ttracefs$/m.test(fs.readFileSync('/proc/filesystems', 'utf8'));
    } catch {
      /* unreadable: treat as unknown */
    }
    tracefsMountable = known && isDir('/sys/kernel/tracing') && (capSysAdmin || root);
    if (!tracefsMountable) {
      problems.push(
        known
          ? 'tracefs is not mounted and this process cannot mount it: run `mount -t tracefs tracefs /sys/kernel/tracing` as root.'
          : 'tracefs is not available (kernel without CONFIG_TRACING?): syscall tracepoints cannot be attached.',
      );
    }
  }
  let syscallTracepoints: boolean | null = null;
  if (tracefsDir) {
    syscallTracepoints = isDir(`${tracefsDir}/events/syscalls/sys_enter_read`);
    if (!syscallTracepoints) {
      problems.push(`${tracefsDir}/events/syscalls is missing: the kernel needs CONFIG_FTRACE_SYSCALLS=y.`);
    }
  }
  if (!capSysAdmin && !(capBpf && capPerfmon)) {
    problems.push('loading the tracer needs root, or CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN on kernels < 5.8).');
  }
  let addon = false;
  try {
    loadNativeAddon();
    addon = true;
  } catch (err) {
    problems.push((err as Error).message);
  }
  return {
    ok: problems.length === 0,
    kernel,
    btf,
    tracefs,
    problems,
    tracefsMountable,
    syscallTracepoints,
    root,
    capBpf,
    capPerfmon,
    capSysAdmin,
    addon,
  };
}

/**
 * Makes sure tracefs is mounted (mounting it at /sys/kernel/tracing when this process may).
 * Returns whether this call mounted it; throws an Error saying what to run otherwise.
 */
export function ensureTracefs(): { mountedNow: boolean } {
  if (tracefsRoot() !== null) return { mountedNow: false };
  let addonError: Error | undefined;
  try {
    return loadNativeAddon().ensureTracefs();
  } catch (err) {
    if ((err as { errno?: number }).errno !== undefined) throw err; // the addon tried and failed
    addonError = err as Error;
  }
  // No addon (not built yet): fall back to mount(8).
  try {
    execFileSync('mount', ['-t', 'tracefs', 'tracefs', '/sys/kernel/tracing'], { stdio: 'pipe' });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(
      `tracefs is not mounted and \`mount -t tracefs tracefs /sys/kernel/tracing\` failed: ${stderr || (err as Error).message}. Run it as root.`,
      { cause: addonError },
    );
  }
  return { mountedNow: true };
}

/** What the CPU profiler (bpf/profile.bpf.c on a CPU-clock perf event) needs; nothing is loaded. */
export interface ProfilingCapabilityReport {
  ok: boolean;
  problems: string[];
  /** /proc/sys/kernel/perf_event_paranoid, null when unreadable. */
  perfEventParanoid: number | null;
}

/**
 * Checks what `CpuProfiler.start()` needs: the software PMU (CPU-clock events), BTF, kernel >= 5.11
 * (bpf_get_current_task_btf), and either CAP_PERFMON + CAP_BPF or CAP_SYS_ADMIN. Needs no tracefs.
 */
export function probeProfilingCapabilities(): ProfilingCapabilityReport {
  const problems: string[] = [];
  const kernel = os.release();
  const caps = effectiveCaps();
  const has = (bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;
  if (os.platform() !== 'linux') problems.push(`eBPF needs Linux; this is ${os.platform()}.`);
  if (!kernelAtLeast(kernel, 5, 11)) {
    problems.push(`kernel ${kernel} is older than 5.11 (bpf_get_current_task_btf in perf_event programs).`);
  }
  if (!fs.existsSync('/sys/kernel/btf/vmlinux'))
    problems.push('/sys/kernel/btf/vmlinux is missing (CONFIG_DEBUG_INFO_BTF=y).');
  if (!isDir('/sys/bus/event_source/devices/software')) {
    problems.push('the software perf PMU is missing: CPU-clock sampling needs CONFIG_PERF_EVENTS=y.');
  }
  let perfEventParanoid: number | null = null;
  try {
    perfEventParanoid = Number(fs.readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8').trim());
  } catch {
    /* unreadable: the open decides */
  }
  if (!has(CAP_SYS_ADMIN) && !(has(CAP_BPF) && has(CAP_PERFMON))) {
    problems.push('CPU profiling needs root, or CAP_BPF + CAP_PERFMON (system-wide perf events, BPF programs).');
  }
  try {
    const addon = loadNativeAddon() as unknown as { CpuProfiler?: unknown };
    if (typeof addon.CpuProfiler !== 'function') problems.push('the native addon has no CpuProfiler: rebuild native/.');
  } catch (err) {
    problems.push((err as Error).message);
  }
  return { ok: problems.length === 0, problems, perfEventParanoid };
}

export interface TlsCoveredProcess {
  pid: number;
  comm: string;
}

/**
 * Processes the TLS uprobes cover: those that map `library` (the uprobes are attached by path, i.e. by inode, so
 * every process mapping it is covered, whichever path it was loaded by). Reads /proc/<pid>/maps; processes that
 * exit or deny access while it looks are skipped. Bounded by `max` results.
 */
export function tlsCoveredProcesses(library: string, max = 4096): TlsCoveredProcess[] {
  let target: fs.Stats;
  try {
    target = fs.statSync(library);
  } catch {
    return [];
  }
  const inode = String(target.ino);
  const out: TlsCoveredProcess[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (out.length >= max) break;
    const c = name.charCodeAt(0);
    if (c < 0x30 || c > 0x39) continue;
    let maps: string;
    try {
      maps = fs.readFileSync(`/proc/${name}/maps`, 'latin1');
    } catch {
      continue;
    }
    // Lines: address perms offset dev inode path. Match by inode and file name so a symlinked path (/lib vs
    // /usr/lib) still counts.
    if (!mapsFile(maps, inode, library)) continue;
    let comm = '';
    try {
      comm = fs.readFileSync(`/proc/${name}/comm`, 'latin1').trim();
    } catch {}
    out.push({ pid: Number(name), comm });
  }
  return out;
}

function mapsFile(maps: string, inode: string, library: string): boolean {
  const base = library.slice(library.lastIndexOf('/') + 1);
  let at = maps.indexOf(base);
  while (at >= 0) {
    const lineStart = maps.lastIndexOf('\n', at) + 1;
    const fields = maps.slice(lineStart, at).trim().split(/\s+/);
    if (fields[4] === inode) return true;
    at = maps.indexOf(base, at + base.length);
  }
  return false;
}
