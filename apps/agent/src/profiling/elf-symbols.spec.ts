import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSource } from './byte-source';
import { ElfFormatError, ElfSymbolTable, findBuildId } from './elf-symbols';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-elf-'));
const binary = path.join(dir, 'busy-loop');
let image: Buffer;

/** readelf as the reference: defined FUNC symbols of .symtab (or .dynsym with `dynamic`) and their addresses. */
function nmFunctions(file: string, dynamic = false): Map<string, number> {
  const out = new Map<string, number>();
  const text = execFileSync('readelf', ['-W', dynamic ? '--dyn-syms' : '--syms', file], { encoding: 'utf8' });
  for (const line of text.split('\n')) {
    const m = /^\s*\d+: ([0-9a-f]+)\s+\d+ (?:FUNC|IFUNC)\s+\S+\s+\S+\s+(\d+) ([^@\s]+)/.exec(line);
    if (m && Number.parseInt(m[1] as string, 16) !== 0) out.set(m[3] as string, Number.parseInt(m[1] as string, 16));
  }
  return out;
}

function expectOnlyFormatErrors(buf: Buffer): void {
  try {
    const t = ElfSymbolTable.fromBuffer(buf, { maxSymbols: 10_000, maxStringTableBytes: 1 << 20 });
    t.lookup(0x1000);
    t.vaddrOfFileOffset(0x1000);
  } catch (err) {
    expect(err).toBeInstanceOf(ElfFormatError);
  }
}

describe('ElfSymbolTable', () => {
  beforeAll(() => {
    execFileSync('cc', ['-O1', '-Wl,--build-id', '-o', binary, path.join(__dirname, 'fixtures', 'busy-loop.c')]);
    image = fs.readFileSync(binary);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds every function nm lists, by any address inside it, and the GNU build id file(1) reports', () => {
    const table = ElfSymbolTable.fromBuffer(image);
    expect(table.source).toBe('symtab');
    const fns = nmFunctions(binary);
    expect(fns.has('bathyscope_hot_spin')).toBe(true);
    for (const [name, addr] of fns) {
      const found = table.lookup(addr);
      // Aliases share an address; whichever name comes back must be one nm gives for it.
      expect([...fns].filter(([, a]) => a === addr).map(([n]) => n)).toContain(found);
      if (name === 'bathyscope_hot_spin') expect(table.lookup(addr + 3)).toBe(name);
    }
    const fileOut = execFileSync('file', [binary], { encoding: 'utf8' });
    expect(fileOut).toContain(`BuildID[sha1]=${table.buildId}`);
  });

  it('maps file offsets to virtual addresses through PT_LOAD and reads large files with positioned reads', () => {
    const fd = fs.openSync(process.execPath, 'r');
    try {
      const node = ElfSymbolTable.read(new FileSource(fd));
      expect(node.symbolCount).toBeGreaterThan(10_000);
      const addr = nmFunctions(binary).get('main') as number;
      const own = ElfSymbolTable.fromBuffer(image);
      const seg = own.loads.find((s) => addr >= s.vaddr && addr < s.vaddr + s.filesz);
      expect(seg).toBeDefined();
      expect(own.vaddrOfFileOffset(addr - (seg?.vaddr ?? 0) + (seg?.offset ?? 0))).toBe(addr);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('falls back to .dynsym in a stripped library', () => {
    const stripped = path.join(dir, 'libstripped.so');
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', stripped, path.join(__dirname, 'fixtures', 'busy-loop.c')]);
    execFileSync('strip', ['--strip-all', stripped]);
    const table = ElfSymbolTable.fromBuffer(fs.readFileSync(stripped));
    expect(table.source).toBe('dynsym');
    expect(table.type).toBe('dyn');
    const addr = nmFunctions(stripped, true).get('bathyscope_hot_spin') as number;
    expect(table.lookup(addr)).toBe('bathyscope_hot_spin');
  });

  it('never throws anything but ElfFormatError on truncated, corrupted or random input', () => {
    for (let n = 0; n < image.length; n += 97) expectOnlyFormatErrors(image.subarray(0, n));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 16 }), (edits) => {
        const copy = Buffer.from(image);
        // Most edits land in the headers and tables, where a bad value sends the parser astray.
        for (const [pos, value] of edits) copy[pos % Math.min(copy.length, 4096)] = value;
        expectOnlyFormatErrors(copy);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 2048 }), (bytes) => {
        const b = Buffer.from(bytes);
        b.writeUInt32BE(0x7f454c46, 0); // past the magic, into the interesting part
        b[4] = 2;
        b[5] = 1;
        expectOnlyFormatErrors(b);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the build id note and ignores malformed notes', () => {
    const note = Buffer.alloc(12 + 4 + 8);
    note.writeUInt32LE(4, 0);
    note.writeUInt32LE(8, 4);
    note.writeUInt32LE(3, 8);
    note.write('GNU\0', 12, 'latin1');
    note.write('0123456789abcdef', 16, 'hex');
    expect(findBuildId(note)).toBe('0123456789abcdef');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => typeof findBuildId(Buffer.from(b)) === 'string'));
  });
});
