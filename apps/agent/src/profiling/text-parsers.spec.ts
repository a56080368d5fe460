import * as fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelSymbols } from './kallsyms';
import { PerfMap } from './perf-map';
import { findMapping, MAX_MAPPINGS, parseProcMaps } from './proc-maps';

/** Text with the separators these formats care about over-represented. */
const noisyText = fc
  .array(
    fc.oneof(
      fc.constantFrom(' ', '\n', '-', ':', '\t', '[', ']', '0', 'f', 'x', 'r', 'p'),
      fc.string({ maxLength: 8 }),
    ),
    {
      maxLength: 200,
    },
  )
  .map((parts) => parts.join(''));

describe('parseProcMaps', () => {
  it("reads this process's own maps: node's text mapping contains a function of node", () => {
    const maps = parseProcMaps(fs.readFileSync('/proc/self/maps', 'latin1'));
    const node = maps.find((m) => m.path === fs.realpathSync(process.execPath));
    expect(node).toBeDefined();
    expect(findMapping(maps, (node?.start ?? 0) + 1)).toBe(node);
    for (let i = 1; i < maps.length; i++)
      expect((maps[i] as { start: number }).start).toBeGreaterThanOrEqual((maps[i - 1] as { end: number }).end);
  });

  it('keeps executable mappings only and understands deleted files and anonymous memory', () => {
    const maps = parseProcMaps(
      [
        '00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon',
        '00651000-00652000 r--p 00051000 08:02 173521      /usr/bin/dbus-daemon',
        '7f2c4000-7f2c5000 r-xp 00000000 00:00 0 ',
        '7f2c6000-7f2c8000 r-xp 00001000 fd:01 42          /tmp/lib with space.so (deleted)',
        'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
        'garbage',
      ].join('\n'),
    );
    expect(maps.map((m) => [m.path, m.deleted, m.offset])).toEqual([
      ['/usr/bin/dbus-daemon', false, 0],
      ['', false, 0],
      ['/tmp/lib with space.so', true, 0x1000],
    ]);
  });

  it('never throws on random or truncated text and stays bounded', () => {
    const real = fs.readFileSync('/proc/self/maps', 'latin1');
    fc.assert(
      fc.property(noisyText, fc.nat(real.length), (text, cut) => {
        expect(parseProcMaps(text).length).toBeLessThanOrEqual(MAX_MAPPINGS);
        parseProcMaps(real.slice(0, cut) + text);
      }),
    );
  });

  it('findMapping agrees with a linear scan', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1_000_000), { maxLength: 40 }), fc.nat(1_000_100), (points, probe) => {
        const sorted = [...points].sort((a, b) => a - b);
        const maps = [];
        for (let i = 0; i + 1 < sorted.length; i += 2) {
          maps.push({
            start: sorted[i] as number,
            end: sorted[i + 1] as number,
            offset: 0,
            dev: '0:0',
            inode: 0,
            path: '',
            deleted: false,
          });
        }
        const linear = maps.find((m) => probe >= m.start && probe < m.end) ?? null;
        expect(findMapping(maps, probe)).toBe(linear);
      }),
    );
  });
});

describe('PerfMap', () => {
  it('names addresses inside code objects; later definitions of a range win', () => {
    const map = new PerfMap();
    map.append('3ef414c0 398 RegExp:[{(]\n3ef418a0 40 JS:*bathyscopeBusyJs /x/busy.cjs:3:26\n');
    map.append('3ef418a0 40 JS:~bathyscopeBusyJs /x/busy.cjs:3:26\n');
    expect(map.lookup(0x3ef414c0)).toBe('RegExp:[{(]');
    expect(map.lookup(0x3ef418a0 + 0x3f)).toBe('JS:~bathyscopeBusyJs /x/busy.cjs:3:26');
    expect(map.lookup(0x3ef418a0 + 0x40)).toBeNull();
    expect(map.lookup(0x10)).toBeNull();
  });

  it('gives the same table however the file is cut into reads (a runtime writes while we read)', () => {
    const line = fc
      .tuple(fc.nat(0xfffffff), fc.integer({ min: 1, max: 0xffff }), fc.stringMatching(/^[A-Za-z:*~_ ./0-9]{1,30}$/))
      .map(([start, size, name]) => `${start.toString(16)} ${size.toString(16)} ${name.trim() || 'x'}\n`);
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.nat(0xfffffff),
        (lines, cuts, probe) => {
          const text = lines.join('');
          const whole = new PerfMap();
          whole.append(text);
          const pieces = new PerfMap();
          const at = [...new Set(cuts.map((c) => (text.length ? c % text.length : 0)))].sort((a, b) => a - b);
          let from = 0;
          for (const c of at) {
            pieces.append(text.slice(from, c));
            from = c;
          }
          pieces.append(text.slice(from));
          expect(pieces.size).toBe(whole.size);
          expect(pieces.lookup(probe)).toBe(whole.lookup(probe));
        },
      ),
    );
  });

  it('never throws on garbage and bounds entries and partial lines', () => {
    fc.assert(
      fc.property(noisyText, (text) => {
        const map = new PerfMap(50);
        map.append(text);
        map.append('x'.repeat(70_000));
        expect(map.size).toBeLessThanOrEqual(50);
        map.lookup(0x1000);
      }),
    );
  });
});

describe('KernelSymbols', () => {
  it('reads kernel and module text symbols and finds the nearest one below an address', () => {
    const k = KernelSymbols.parse(
      [
        'ffffffff81000000 T _stext',
        'ffffffff81001000 t do_one_initcall',
        'ffffffff82000000 D some_data',
        'ffffffffc0001000 t nf_hook\t[nf_tables]',
        '0000000000000000 T hidden_by_kptr_restrict',
      ].join('\n'),
    );
    expect(k.size).toBe(3);
    expect(k.lookup(0xffffffff81001010n)).toBe('[kernel]!do_one_initcall');
    expect(k.lookup(0xffffffffc0001004n)).toBe('[nf_tables]!nf_hook');
    expect(k.lookup(0x1000n)).toBeNull();
  });

  it('parses the real /proc/kallsyms when readable, and never throws on garbage', () => {
    const k = KernelSymbols.parse(fs.readFileSync('/proc/kallsyms', 'latin1'));
    if (k.size > 0) expect(k.lookup(0xffffffffffffff00n)).not.toBeNull();
    fc.assert(fc.property(noisyText, (text) => KernelSymbols.parse(text).lookup(0xffffffff81000000n) !== undefined));
  });
});
