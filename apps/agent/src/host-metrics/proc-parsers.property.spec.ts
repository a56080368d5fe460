import * as fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseDiskstats,
  parseFileNr,
  parseLoadAvg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
  parseSnmpTcp,
} from './proc-parsers';

const PARSERS = {
  stat: parseProcStat,
  loadavg: parseLoadAvg,
  meminfo: parseMeminfo,
  diskstats: parseDiskstats,
  'net/dev': parseNetDev,
  'self/mounts': parseMounts,
  'net/snmp': parseSnmpTcp,
  'sys/fs/file-nr': parseFileNr,
} as const;

const real = (file: string) => fs.readFileSync(`/proc/${file}`, 'latin1');

/** Every number a parser returns is a finite non-negative number: garbage never becomes NaN or a negative delta. */
function numbersAreSane(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  if (value instanceof Map) return [...value.values()].every(numbersAreSane);
  if (Array.isArray(value)) return value.every(numbersAreSane);
  if (value && typeof value === 'object') return Object.values(value).every(numbersAreSane);
  return true;
}

describe('/proc parsers', () => {
  it('read this machine’s files', () => {
    const stat = parseProcStat(real('stat'));
    expect(stat.cpu?.user).toBeGreaterThan(0);
    expect(stat.cpuCount).toBeGreaterThan(0);
    expect(stat.contextSwitches).toBeGreaterThan(0);
    expect(stat.interrupts).toBeGreaterThan(0);
    expect(stat.bootTime).toBeGreaterThan(1e9);
    expect(parseMeminfo(real('meminfo')).get('MemTotal')).toBeGreaterThan(1 << 20);
    expect(parseLoadAvg(real('loadavg')).threads).toBeGreaterThan(0);
    expect(parseNetDev(real('net/dev')).map((n) => n.name)).toContain('lo');
    expect(parseMounts(real('self/mounts')).some((m) => m.mountPoint === '/')).toBe(true);
    expect(parseFileNr(real('sys/fs/file-nr'))).toBeGreaterThan(0);
  });

  it('parse the documented layouts exactly', () => {
    const stat = parseProcStat(
      'cpu  10 1 20 300 4 0 5 6 2 0\ncpu0 10 1 20 300 4 0 5 6 2 0\ncpu1 0 0 0 0\nintr 12345 0 1 2\nctxt 999\nbtime 1700000000\nprocesses 4242\nprocs_running 3\nprocs_blocked 1\n',
    );
    expect(stat).toEqual({
      cpu: {
        user: 10,
        nice: 1,
        system: 20,
        idle: 300,
        iowait: 4,
        irq: 0,
        softirq: 5,
        steal: 6,
        guest: 2,
        guestNice: 0,
      },
      cpuCount: 2,
      contextSwitches: 999,
      interrupts: 12345,
      forks: 4242,
      procsRunning: 3,
      procsBlocked: 1,
      bootTime: 1700000000,
    });
    expect(parseLoadAvg('0.51 0.49 0.50 1/142 14074\n')).toEqual({
      load1: 0.51,
      load5: 0.49,
      load15: 0.5,
      threads: 142,
    });
    const mem = parseMeminfo('MemTotal:       24684084 kB\nHugePages_Total:       0\n');
    expect(mem.get('MemTotal')).toBe(24684084 * 1024);
    expect(mem.get('HugePages_Total')).toBe(0);
    expect(
      parseDiskstats(
        ' 254       0 vda 93996 23007 6801178 50496 60674 97367 8883080 61939 0 21732 114815 18153 12 1297432\n',
      ),
    ).toEqual([
      { name: 'vda', reads: 93996, readSectors: 6801178, writes: 60674, writeSectors: 8883080, ioTimeMs: 21732 },
    ]);
    expect(
      parseNetDev(
        'Inter-|   Receive\n face |bytes\n  eth0: 743458288   16443    1    2    0     0          0         0  1227776   10659    3    4    0     0       0          0\n',
      ),
    ).toEqual([
      {
        name: 'eth0',
        rxBytes: 743458288,
        rxPackets: 16443,
        rxErrors: 1,
        rxDrops: 2,
        txBytes: 1227776,
        txPackets: 10659,
        txErrors: 3,
        txDrops: 4,
      },
    ]);
    expect(parseMounts('/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n')).toEqual([
      { device: '/dev/sdb1', mountPoint: '/mnt/my disk', fsType: 'ext4' },
    ]);
    expect(
      parseSnmpTcp(
        'Ip: Forwarding\nIp: 1\nTcp: RtoAlgorithm RtoMin CurrEstab RetransSegs\nTcp: 1 200 7 42\nUdp: InDatagrams\nUdp: 5\n',
      ),
    ).toEqual({ retransSegments: 42, established: 7 });
  });

  it('never throw and never return NaN or negative numbers, whatever the bytes', () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.string({ unit: fc.constantFrom(...'0123456789 -:/.\\\nabcpu|kB'.split('')), maxLength: 400 }),
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    fc.assert(
      fc.property(junk, (text) => {
        for (const parse of Object.values(PARSERS)) expect(numbersAreSane(parse(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('survive real files truncated at any byte and with lines interleaved or duplicated', () => {
    const files = Object.keys(PARSERS).map((f) => [f, real(f)] as const);
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 8 }),
        ([file, text], cut, picks) => {
          const parse = PARSERS[file as keyof typeof PARSERS] as (t: string) => unknown;
          const truncated = text.slice(0, cut % (text.length + 1));
          const lines = text.split('\n');
          const shuffled = picks.map((p) => lines[p % lines.length]).join('\n');
          expect(numbersAreSane(parse(truncated))).toBe(true);
          expect(numbersAreSane(parse(shuffled))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keep memory bounded on a huge line (an intr line thousands of columns long)', () => {
    const intr = `intr 5 ${'0 '.repeat(200_000)}\nctxt 7\n`;
    const stat = parseProcStat(intr);
    expect(stat.interrupts).toBe(5);
    expect(stat.contextSwitches).toBe(7);
  });
});
