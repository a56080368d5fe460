import { type ByteSource, BufferSource } from './byte-source';

/**
 * Function symbols of one ELF64 little-endian file (x86-64, arm64), read with positioned reads: the header, the
 * program headers (to map file offsets to virtual addresses), the notes (GNU build id) and `.symtab` — or `.dynsym`
 * when the file is stripped. Everything read is bounds-checked against the file and the limits below, so a corrupt
 * or hostile file yields an error or fewer symbols, never an exception from a bad offset or an unbounded
 * allocation. (No npm ELF parser fits: the maintained-looking ones read the whole file into memory, and Node's own
 * binary is ~100 MB.)
 */

/** Why a file yields no symbol table. */
export class ElfFormatError extends Error {}

export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
}

const ET_EXEC = 2;
const ET_DYN = 3;
const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const NT_GNU_BUILD_ID = 3;
const SYM_SIZE = 24;

export interface ElfLimits {
  /** Symbols read at most (a libxul-sized library has ~1M). */
  maxSymbols: number;
  /** Largest string table kept in memory. */
  maxStringTableBytes: number;
}

export const DEFAULT_ELF_LIMITS: ElfLimits = { maxSymbols: 2_000_000, maxStringTableBytes: 128 << 20 };

/** Reads a u64 as a number; null above 2^53 (no user-space address or file offset is that large). */
function u64(buf: Buffer, at: number): number | null {
  const lo = buf.readUInt32LE(at);
  const hi = buf.readUInt32LE(at + 4);
  if (hi >= 0x20_0000) return null;
  return hi * 0x1_0000_0000 + lo;
}

interface SymbolSection {
  off: number;
  size: number;
  entsize: number;
  link: number;
}

export class ElfSymbolTable {
  private constructor(
    /** Hex GNU build id, '' when the file has none. */
    readonly buildId: string,
    readonly type: 'exec' | 'dyn',
    readonly loads: LoadSegment[],
    private readonly addrs: Float64Array,
    private readonly ends: Float64Array,
    private readonly nameOffsets: Uint32Array,
    private readonly strtab: Buffer,
    /** 'symtab', 'dynsym' or 'none'. */
    readonly source: 'symtab' | 'dynsym' | 'none',
  ) {}

  get symbolCount(): number {
    return this.addrs.length;
  }

  /** Approximate bytes held (for the cache's budget). */
  get retainedBytes(): number {
    return this.addrs.byteLength * 2 + this.nameOffsets.byteLength + this.strtab.length;
  }

  /** Virtual address of a file offset (through the PT_LOAD that maps it), or null. */
  vaddrOfFileOffset(offset: number): number | null {
    for (const seg of this.loads) {
      if (offset >= seg.offset && offset < seg.offset + seg.filesz) return offset - seg.offset + seg.vaddr;
    }
    return null;
  }

  /** The function containing `vaddr`, or null. */
  lookup(vaddr: number): string | null {
    const addrs = this.addrs;
    let lo = 0;
    let hi = addrs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((addrs[mid] as number) <= vaddr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || vaddr >= (this.ends[found] as number)) return null;
    const start = this.nameOffsets[found] as number;
    let end = this.strtab.indexOf(0, start);
    if (end < 0) end = this.strtab.length;
    return this.strtab.toString('utf8', start, Math.min(end, start + 1024));
  }

  static fromBuffer(buf: Buffer, limits: ElfLimits = DEFAULT_ELF_LIMITS): ElfSymbolTable {
    return ElfSymbolTable.read(new BufferSource(buf), limits);
  }

  static read(src: ByteSource, limits: ElfLimits = DEFAULT_ELF_LIMITS): ElfSymbolTable {
    const need = (offset: number | null, length: number, what: string): Buffer => {
      const b = offset === null ? null : src.read(offset, length);
      if (!b) throw new ElfFormatError(`${what} lies outside the file`);
      return b;
    };
    const eh = need(0, 64, 'ELF header');
    if (eh.readUInt32BE(0) !== 0x7f454c46) throw new ElfFormatError('not an ELF file');
    if (eh[4] !== 2) throw new ElfFormatError('not ELF64');
    if (eh[5] !== 1) throw new ElfFormatError('not little-endian');
    const etype = eh.readUInt16LE(16);
    if (etype !== ET_EXEC && etype !== ET_DYN) throw new ElfFormatError(`ELF type ${etype} is not loadable`);
    const phoff = u64(eh, 32);
    const shoff = u64(eh, 40);
    const phentsize = eh.readUInt16LE(54);
    const phnum = eh.readUInt16LE(56);
    const shentsize = eh.readUInt16LE(58);
    let shnum = eh.readUInt16LE(60);

    const loads: LoadSegment[] = [];
    let buildId = '';
    if (phnum > 0) {
      if (phentsize < 56) throw new ElfFormatError('program header entries too small');
      const ph = need(phoff, phentsize * phnum, 'program headers');
      for (let i = 0; i < phnum; i++) {
        const at = i * phentsize;
        const type = ph.readUInt32LE(at);
        const offset = u64(ph, at + 8);
        const vaddr = u64(ph, at + 16);
        const filesz = u64(ph, at + 32);
        if (offset === null || vaddr === null || filesz === null) continue;
        if (type === PT_LOAD) loads.push({ offset, vaddr, filesz });
        else if (type === PT_NOTE && !buildId && filesz <= 64 << 10) {
          const notes = src.read(offset, filesz);
          if (notes) buildId = findBuildId(notes);
        }
      }
    }

    let symtab: SymbolSection | null = null;
    let dynsym: SymbolSection | null = null;
    let sh: Buffer | null = null;
    if (shoff !== null && shoff > 0) {
      if (shentsize < 64) throw new ElfFormatError('section header entries too small');
      // Extended numbering: more than 0xff00 sections put the count in section 0's sh_size.
      if (shnum === 0) {
        const s0 = need(shoff, 64, 'section header 0');
        shnum = Math.min(u64(s0, 32) ?? 0, 1 << 20);
      }
      sh = src.read(shoff, shentsize * shnum);
    }
    if (sh) {
      for (let i = 0; i < shnum; i++) {
        const at = i * shentsize;
        const type = sh.readUInt32LE(at + 4);
        if (type !== SHT_SYMTAB && type !== SHT_DYNSYM) continue;
        const off = u64(sh, at + 24);
        const size = u64(sh, at + 32);
        const entsize = u64(sh, at + 56);
        if (off === null || size === null || entsize === null) continue;
        const entry = { off, size, entsize, link: sh.readUInt32LE(at + 40) };
        if (type === SHT_SYMTAB) symtab ??= entry;
        else dynsym ??= entry;
      }
    }

    const type = etype === ET_EXEC ? 'exec' : 'dyn';
    const chosen = symtab ?? dynsym;
    const source = symtab ? 'symtab' : dynsym ? 'dynsym' : 'none';
    if (!chosen || !sh) {
      return new ElfSymbolTable(
        buildId,
        type,
        loads,
        new Float64Array(0),
        new Float64Array(0),
        new Uint32Array(0),
        Buffer.alloc(0),
        'none',
      );
    }
    if (chosen.entsize !== SYM_SIZE) throw new ElfFormatError(`symbol entries of ${chosen.entsize} bytes`);
    if (chosen.link >= shnum) throw new ElfFormatError('symbol table links to a missing string table');
    const strAt = chosen.link * shentsize;
    const strOff = u64(sh, strAt + 24);
    const strSize = u64(sh, strAt + 32);
    if (strSize === null || strSize > limits.maxStringTableBytes) throw new ElfFormatError('string table too large');
    const strtab = need(strOff, strSize, 'string table');
    const count = Math.min(Math.floor(chosen.size / SYM_SIZE), limits.maxSymbols);
    const syms = need(chosen.off, count * SYM_SIZE, 'symbol table');

    const addrs = new Float64Array(count);
    const sizes = new Float64Array(count);
    const names = new Uint32Array(count);
    let n = 0;
    for (let i = 0; i < count; i++) {
      const at = i * SYM_SIZE;
      const info = syms[at + 4] as number;
      const kind = info & 0xf;
      if (kind !== STT_FUNC && kind !== STT_GNU_IFUNC) continue;
      if (syms.readUInt16LE(at + 6) === 0) continue; // SHN_UNDEF: an import, defined elsewhere
      const value = u64(syms, at + 8);
      const size = u64(syms, at + 16);
      const name = syms.readUInt32LE(at);
      if (value === null || size === null || value === 0 || name === 0 || name >= strtab.length) continue;
      addrs[n] = value;
      sizes[n] = size;
      names[n] = name;
      n++;
    }
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (addrs[a] as number) - (addrs[b] as number) || (sizes[b] as number) - (sizes[a] as number),
    );
    const sortedAddrs = new Float64Array(n);
    const ends = new Float64Array(n);
    const sortedNames = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[i] as number;
      sortedAddrs[i] = addrs[j] as number;
      sortedNames[i] = names[j] as number;
    }
    for (let i = 0; i < n; i++) {
      const j = order[i] as number;
      const size = sizes[j] as number;
      // Size-less symbols (hand-written assembly) reach to the next symbol.
      ends[i] =
        size > 0
          ? (sortedAddrs[i] as number) + size
          : i + 1 < n
            ? (sortedAddrs[i + 1] as number)
            : (sortedAddrs[i] as number) + 1;
    }
    // Keep only the strings: a view into a 100 MB read would pin it.
    return new ElfSymbolTable(buildId, type, loads, sortedAddrs, ends, sortedNames, Buffer.from(strtab), source);
  }
}

/** GNU build id (hex) from a run of ELF notes, '' when absent or malformed. */
export function findBuildId(notes: Buffer): string {
  let at = 0;
  while (at + 12 <= notes.length) {
    const namesz = notes.readUInt32LE(at);
    const descsz = notes.readUInt32LE(at + 4);
    const type = notes.readUInt32LE(at + 8);
    const nameAt = at + 12;
    const descAt = nameAt + ((namesz + 3) & ~3);
    const next = descAt + ((descsz + 3) & ~3);
    if (namesz > notes.length || descsz > notes.length || next > notes.length || next <= at) return '';
    if (type === NT_GNU_BUILD_ID && namesz === 4 && notes.toString('latin1', nameAt, nameAt + 3) === 'GNU') {
      return notes.toString('hex', descAt, descAt + Math.min(descsz, 64));
    }
    at = next;
  }
  return '';
}
