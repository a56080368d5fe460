/**
 * Parsers of the /proc files host metrics come from. Each takes the file's text and returns what it could read:
 * a line that is garbage or cut short is skipped, a missing field reads as 0, and nothing throws — a kernel with
 * another layout (or a file truncated by a racing read) must cost a metric, never the agent.
 */

/** Kernel ticks per CPU mode, in /proc/stat order. guest and guest_nice are also counted in user and nice. */
export interface CpuTicks {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

export interface ProcStat {
  /** The aggregate `cpu` line, or null when it is missing or unreadable. */
  cpu: CpuTicks | null;
  /** `cpuN` lines. */
  cpuCount: number;
  contextSwitches: number;
  interrupts: number;
  /** Processes and threads created since boot. */
  forks: number;
  procsRunning: number;
  procsBlocked: number;
  /** Boot time, unix seconds (0 if absent). */
  bootTime: number;
}

/** A non-negative integer field, or 0 (garbage, negative, absent). Values past 2^53 lose precision, as elsewhere. */
function num(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Whitespace-separated fields without allocating a regex per call. */
function fields(line: string): string[] {
  return line.trim().split(/\s+/);
}

export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = {
    cpu: null,
    cpuCount: 0,
    contextSwitches: 0,
    interrupts: 0,
    forks: 0,
    procsRunning: 0,
    procsBlocked: 0,
    bootTime: 0,
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu')) {
      const f = fields(line);
      if (f[0] === 'cpu') {
        // Older kernels have fewer columns; the missing ones read 0. Fewer than 4 is not a cpu line.
        if (f.length < 5) continue;
        out.cpu = {
          user: num(f[1]),
          nice: num(f[2]),
          system: num(f[3]),
          idle: num(f[4]),
          iowait: num(f[5]),
          irq: num(f[6]),
          softirq: num(f[7]),
          steal: num(f[8]),
          guest: num(f[9]),
          guestNice: num(f[10]),
        };
      } else if (/^cpu\d+$/.test(f[0] ?? '')) {
        out.cpuCount++;
      }
      continue;
    }
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    switch (key) {
      case 'ctxt':
        out.contextSwitches = num(fields(line)[1]);
        break;
      case 'intr': {
        // The first number is the total; the per-IRQ columns after it can be thousands long and are not needed.
        const rest = line.slice(space + 1).trimStart();
        const end = rest.indexOf(' ');
        out.interrupts = num(end < 0 ? rest : rest.slice(0, end));
        break;
      }
      case 'processes':
        out.forks = num(fields(line)[1]);
        break;
      case 'procs_running':
        out.procsRunning = num(fields(line)[1]);
        break;
      case 'procs_blocked':
        out.procsBlocked = num(fields(line)[1]);
        break;
      case 'btime':
        out.bootTime = num(fields(line)[1]);
        break;
    }
  }
  return out;
}

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** Scheduling entities (threads) that exist: the denominator of the fourth field. */
  threads: number;
}

export function parseLoadAvg(text: string): LoadAvg {
  const f = fields(text);
  const slash = (f[3] ?? '').indexOf('/');
  return {
    load1: num(f[0]),
    load5: num(f[1]),
    load15: num(f[2]),
    threads: slash >= 0 ? num((f[3] as string).slice(slash + 1)) : 0,
  };
}

/** /proc/meminfo values in bytes, by key (`MemTotal`, `Cached`, …). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const f = fields(line.slice(colon + 1));
    const value = Number(f[0]);
    if (!Number.isFinite(value) || value < 0) continue;
    out.set(line.slice(0, colon), f[1] === 'kB' ? value * 1024 : value);
  }
  return out;
}

export interface DiskCounters {
  name: string;
  reads: number;
  readSectors: number;
  writes: number;
  writeSectors: number;
  ioTimeMs: number;
}

/** /proc/diskstats: sectors are always 512 bytes there, whatever the device's sector size. */
export function parseDiskstats(text: string): DiskCounters[] {
  const out: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    const f = fields(line);
    // major minor name + at least the 11 original counters.
    if (f.length < 14 || !f[2]) continue;
    out.push({
      name: f[2],
      reads: num(f[3]),
      readSectors: num(f[5]),
      writes: num(f[7]),
      writeSectors: num(f[9]),
      ioTimeMs: num(f[12]),
    });
  }
  return out;
}

export interface NetCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

/** /proc/net/dev: two header lines, then `iface: 8 receive columns 8 transmit columns`. */
export function parseNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === '' || name.includes('|')) continue;
    const f = fields(line.slice(colon + 1));
    if (f.length < 16) continue;
    out.push({
      name,
      rxBytes: num(f[0]),
      rxPackets: num(f[1]),
      rxErrors: num(f[2]),
      rxDrops: num(f[3]),
      txBytes: num(f[8]),
      txPackets: num(f[9]),
      txErrors: num(f[10]),
      txDrops: num(f[11]),
    });
  }
  return out;
}

export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
}

/** Undoes the octal escapes /proc/mounts uses for space, tab, newline and backslash in paths. */
function unescapeMountField(s: string): string {
  return s.includes('\\')
    ? s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)))
    : s;
}

export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 3 || !f[0] || !f[1] || !f[2]) continue;
    out.push({ device: unescapeMountField(f[0]), mountPoint: unescapeMountField(f[1]), fsType: f[2] });
  }
  return out;
}

export interface TcpCounters {
  retransSegments: number;
  established: number;
}

/** The `Tcp:` header/value line pair of /proc/net/snmp. */
export function parseSnmpTcp(text: string): TcpCounters {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i] as string;
    const values = lines[i + 1] as string;
    if (!header.startsWith('Tcp:') || !values.startsWith('Tcp:')) continue;
    const names = fields(header);
    const vals = fields(values);
    return {
      retransSegments: num(vals[names.indexOf('RetransSegs')]),
      established: num(vals[names.indexOf('CurrEstab')]),
    };
  }
  return { retransSegments: 0, established: 0 };
}

/** /proc/sys/fs/file-nr: allocated, free (always 0 since 2.6), max. */
export function parseFileNr(text: string): number {
  return num(fields(text)[0]);
}
