import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type CpuModes,
  type DiskDevice,
  type Filesystem,
  HOST_METRICS_LIMITS,
  type HostMetrics,
  type NetInterface,
} from '@bathyscope/wire';
import {
  type CpuTicks,
  type DiskCounters,
  type NetCounters,
  parseDiskstats,
  parseFileNr,
  parseLoadAvg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
  parseSnmpTcp,
} from './proc-parsers';

/** Linux reports /proc/stat in USER_HZ, 100 on every architecture Node runs on. */
const USER_HZ = 100;
const DISKSTAT_SECTOR_BYTES = 512;

/**
 * Filesystem types that are not storage (or are read-only images always 100 % full). Network filesystems are left
 * out on purpose too: statfs on an unreachable NFS server blocks, and would hold a libuv thread until it answers.
 */
const SKIPPED_FS_TYPES = new Set([
  'squashfs',
  'iso9660',
  'erofs',
  'udf',
  'overlay',
  'tmpfs',
  'devtmpfs',
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'ceph',
  'fuse',
]);
/** Storage that is not a /dev node. */
const NODEVICE_FS_TYPES = new Set(['zfs', 'btrfs']);
/** Devices that are never disks: loop images and RAM disks. */
const VIRTUAL_DISK_RE = /^(loop|ram|zram)\d+$/;
const STATFS_TIMEOUT_MS = 2000;
const CONTROL_RE = /\p{Cc}/u;
/** Which devices are hardware changes rarely (hot-plug): re-check /sys this often. */
const CLASSIFY_EVERY_MS = 60_000;

export interface HostMetricsCollectorOptions {
  /** Where procfs is mounted (`/host/proc` for an agent in a container that sees the host's). */
  procRoot?: string;
  sysRoot?: string;
  now?: () => number;
}

interface Sample {
  atMs: number;
  cpu: CpuTicks | null;
  contextSwitches: number;
  interrupts: number;
  forks: number;
  disks: Map<string, DiskCounters>;
  nets: Map<string, NetCounters>;
  tcpRetrans: number;
}

export interface CollectorStats {
  collections: number;
  /** Files that could not be read (counted per file per collection). */
  readErrors: number;
  statfsTimeouts: number;
}

/** A counter that went backwards was reset (device re-added, counter wrapped): the delta starts over from 0. */
const delta = (now: number, before: number | undefined) => (before === undefined || now < before ? 0 : now - before);

/**
 * Reads host metrics from /proc and /sys. Each `collect()` compares with the previous one, so rates and deltas
 * cover exactly the time between the two; the first call only takes the baseline and returns null.
 */
export class HostMetricsCollector {
  private readonly procRoot: string;
  private readonly sysRoot: string;
  private readonly now: () => number;
  private previous: Sample | null = null;
  /** true: hardware disk; false: a whole virtual disk (dm, md); null: not a disk of its own (partition, loop). */
  private physicalDisks = new Map<string, boolean | null>();
  private physicalNets = new Map<string, boolean>();
  private classifiedAt = -Infinity;
  /** Mount points whose statfs has not answered yet: not asked again until it does. */
  private readonly statfsPending = new Set<string>();
  readonly stats: CollectorStats = { collections: 0, readErrors: 0, statfsTimeouts: 0 };

  constructor(options: HostMetricsCollectorOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.sysRoot = options.sysRoot ?? '/sys';
    this.now = options.now ?? Date.now;
  }

  private read(rel: string): string {
    try {
      return fs.readFileSync(path.join(this.procRoot, rel), 'latin1');
    } catch {
      this.stats.readErrors++;
      return '';
    }
  }

  /** Forgets the baseline: the next collect() takes a new one. */
  reset(): void {
    this.previous = null;
  }

  /** Returns the metrics since the previous call, or null on the first call (baseline only). */
  async collect(): Promise<HostMetrics | null> {
    const atMs = this.now();
    const stat = parseProcStat(this.read('stat'));
    const load = parseLoadAvg(this.read('loadavg'));
    const mem = parseMeminfo(this.read('meminfo'));
    const disks = parseDiskstats(this.read('diskstats'));
    const nets = parseNetDev(this.read('net/dev'));
    const tcp = parseSnmpTcp(this.read('net/snmp'));
    const openFds = parseFileNr(this.read('sys/fs/file-nr'));
    const processCount = this.countProcesses();
    const filesystems = await this.filesystems();
    this.classify(disks, nets, atMs);

    const sample: Sample = {
      atMs,
      cpu: stat.cpu,
      contextSwitches: stat.contextSwitches,
      interrupts: stat.interrupts,
      forks: stat.forks,
      disks: new Map(disks.map((d) => [d.name, d])),
      nets: new Map(nets.map((n) => [n.name, n])),
      tcpRetrans: tcp.retransSegments,
    };
    const prev = this.previous;
    this.previous = sample;
    this.stats.collections++;
    if (!prev || atMs <= prev.atMs) return null;

    const memTotal = mem.get('MemTotal') ?? 0;
    const memFree = mem.get('MemFree') ?? 0;
    const buffers = mem.get('Buffers') ?? 0;
    // What `free` shows as buff/cache besides buffers: page cache plus reclaimable slab.
    const cached = (mem.get('Cached') ?? 0) + (mem.get('SReclaimable') ?? 0);
    const swapTotal = mem.get('SwapTotal') ?? 0;
    return {
      timeUs: atMs * 1000,
      intervalMs: atMs - prev.atMs,
      cpuCount: stat.cpuCount,
      cpuUtilisation: utilisation(stat.cpu, prev.cpu),
      cpuSecondsTotal: seconds(stat.cpu),
      load1: load.load1,
      load5: load.load5,
      load15: load.load15,
      contextSwitches: delta(stat.contextSwitches, prev.contextSwitches),
      interrupts: delta(stat.interrupts, prev.interrupts),
      forks: delta(stat.forks, prev.forks),
      procsRunning: stat.procsRunning,
      procsBlocked: stat.procsBlocked,
      processCount,
      threadCount: load.threads,
      memTotalBytes: memTotal,
      memFreeBytes: memFree,
      // Kernels before 3.14 have no MemAvailable: free + buffers + cache is the usual stand-in.
      memAvailableBytes: mem.get('MemAvailable') ?? memFree + buffers + cached,
      memUsedBytes: Math.max(0, memTotal - memFree - buffers - cached),
      memCachedBytes: cached,
      memBuffersBytes: buffers,
      swapTotalBytes: swapTotal,
      swapUsedBytes: Math.max(0, swapTotal - (mem.get('SwapFree') ?? 0)),
      disks: this.diskDeltas(disks, prev.disks),
      filesystems,
      interfaces: this.netDeltas(nets, prev.nets),
      tcpRetransSegments: delta(tcp.retransSegments, prev.tcpRetrans),
      tcpEstablished: tcp.established,
      openFds,
    };
  }

  private countProcesses(): number {
    try {
      let n = 0;
      for (const name of fs.readdirSync(this.procRoot)) {
        const c = name.charCodeAt(0);
        if (c >= 48 && c <= 57) n++;
      }
      return n;
    } catch {
      this.stats.readErrors++;
      return 0;
    }
  }

  /**
   * Hardware has a `device` link in sysfs; dm/md, lo, veth and bridges do not. /proc/diskstats lists partitions too,
   * while /sys/block holds whole disks only: partitions (and loop and RAM disks) map to null and are not reported,
   * so nothing is counted twice.
   */
  private classify(disks: DiskCounters[], nets: NetCounters[], atMs: number): void {
    const fresh = atMs - this.classifiedAt >= CLASSIFY_EVERY_MS;
    if (fresh) {
      this.classifiedAt = atMs;
      this.physicalDisks = new Map();
      this.physicalNets = new Map();
    }
    for (const d of disks) {
      if (this.physicalDisks.has(d.name)) continue;
      const dir = path.join(this.sysRoot, 'block', d.name.replaceAll('/', '!'));
      const whole = !VIRTUAL_DISK_RE.test(d.name) && fs.existsSync(dir);
      this.physicalDisks.set(d.name, whole ? fs.existsSync(path.join(dir, 'device')) : null);
    }
    for (const n of nets) {
      if (this.physicalNets.has(n.name)) continue;
      this.physicalNets.set(n.name, fs.existsSync(path.join(this.sysRoot, 'class', 'net', n.name, 'device')));
    }
  }

  private diskDeltas(disks: DiskCounters[], prev: Map<string, DiskCounters>): DiskDevice[] {
    const out: DiskDevice[] = [];
    for (const d of disks) {
      const physical = this.physicalDisks.get(d.name);
      if (physical == null) continue;
      if (out.length >= HOST_METRICS_LIMITS.maxDisks) break;
      const p = prev.get(d.name);
      out.push({
        name: d.name.slice(0, HOST_METRICS_LIMITS.maxName),
        readBytes: delta(d.readSectors, p?.readSectors) * DISKSTAT_SECTOR_BYTES,
        writeBytes: delta(d.writeSectors, p?.writeSectors) * DISKSTAT_SECTOR_BYTES,
        reads: delta(d.reads, p?.reads),
        writes: delta(d.writes, p?.writes),
        ioTimeMs: delta(d.ioTimeMs, p?.ioTimeMs),
        physical,
      });
    }
    return out;
  }

  private netDeltas(nets: NetCounters[], prev: Map<string, NetCounters>): NetInterface[] {
    const rows: NetInterface[] = [];
    for (const n of nets) {
      const p = prev.get(n.name);
      rows.push({
        name: n.name.slice(0, HOST_METRICS_LIMITS.maxName),
        rxBytes: delta(n.rxBytes, p?.rxBytes),
        txBytes: delta(n.txBytes, p?.txBytes),
        rxPackets: delta(n.rxPackets, p?.rxPackets),
        txPackets: delta(n.txPackets, p?.txPackets),
        rxErrors: delta(n.rxErrors, p?.rxErrors),
        txErrors: delta(n.txErrors, p?.txErrors),
        rxDrops: delta(n.rxDrops, p?.rxDrops),
        txDrops: delta(n.txDrops, p?.txDrops),
        physical: this.physicalNets.get(n.name) ?? false,
      });
    }
    if (rows.length <= HOST_METRICS_LIMITS.maxInterfaces) return rows;
    // Over the bound (a node with hundreds of veths): hardware first, then the busiest.
    rows.sort((a, b) => Number(b.physical) - Number(a.physical) || b.rxBytes + b.txBytes - (a.rxBytes + a.txBytes));
    return rows.slice(0, HOST_METRICS_LIMITS.maxInterfaces);
  }

  private async filesystems(): Promise<Filesystem[]> {
    const seen = new Set<string>();
    const wanted: { device: string; mountPoint: string; fsType: string }[] = [];
    for (const m of parseMounts(this.read('self/mounts'))) {
      if (SKIPPED_FS_TYPES.has(m.fsType) || m.fsType.startsWith('fuse.')) continue;
      if (!m.device.startsWith('/dev/') && !NODEVICE_FS_TYPES.has(m.fsType)) continue;
      // Bind mounts and several mounts of one filesystem: the first mount point stands for it.
      if (seen.has(m.device)) continue;
      seen.add(m.device);
      // The gateway refuses control characters (a mount point may hold an escaped newline): such a mount is skipped.
      if (m.mountPoint.length > HOST_METRICS_LIMITS.maxMountPoint || CONTROL_RE.test(m.mountPoint)) continue;
      if (this.statfsPending.has(m.mountPoint)) continue;
      wanted.push(m);
      if (wanted.length >= HOST_METRICS_LIMITS.maxFilesystems) break;
    }
    const results = await Promise.all(wanted.map((m) => this.statfs(m.mountPoint)));
    const out: Filesystem[] = [];
    for (let i = 0; i < wanted.length; i++) {
      const s = results[i];
      const m = wanted[i] as (typeof wanted)[number];
      if (!s || s.blocks === 0) continue;
      const bsize = s.bsize;
      out.push({
        mountPoint: m.mountPoint,
        device: m.device.slice(0, HOST_METRICS_LIMITS.maxName),
        fsType: m.fsType.slice(0, HOST_METRICS_LIMITS.maxName),
        sizeBytes: s.blocks * bsize,
        usedBytes: Math.max(0, s.blocks - s.bfree) * bsize,
        freeBytes: s.bavail * bsize,
        inodesTotal: s.files,
        inodesFree: s.ffree,
      });
    }
    return out;
  }

  /** statfs off the event loop, given up after a timeout (the call itself is left to finish; see statfsPending). */
  private statfs(mountPoint: string): Promise<fs.StatsFs | null> {
    this.statfsPending.add(mountPoint);
    const call = fs.promises
      .statfs(mountPoint)
      .catch(() => null)
      .finally(() => this.statfsPending.delete(mountPoint));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        this.stats.statfsTimeouts++;
        resolve(null);
      }, STATFS_TIMEOUT_MS);
      timer.unref();
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }
}

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest'] as const;

function zeroModes(): CpuModes {
  return { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0 };
}

function seconds(cpu: CpuTicks | null): CpuModes {
  const out = zeroModes();
  if (!cpu) return out;
  for (const m of MODES) out[m] = cpu[m] / USER_HZ;
  return out;
}

/** Share of the interval per mode. Guest time is inside user already, so it is not added to the total again. */
function utilisation(cpu: CpuTicks | null, prev: CpuTicks | null): CpuModes {
  const out = zeroModes();
  if (!cpu || !prev) return out;
  let total = 0;
  for (const m of MODES) if (m !== 'guest') total += delta(cpu[m], prev[m]);
  if (total <= 0) return out;
  for (const m of MODES) out[m] = delta(cpu[m], prev[m]) / total;
  return out;
}
