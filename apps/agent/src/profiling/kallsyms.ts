/**
 * Kernel text symbols from `/proc/kallsyms` (`ffffffff81000000 T _stext`, `… t fn\t[module]`). Kernel addresses do
 * not fit a double exactly, so each is kept as two u32 halves (no BigInt per line: the file has ~200k lines and is
 * parsed on the agent's event loop).
 */
export class KernelSymbols {
  /**
   * Names live in one latin1 blob with offsets, not as ~120k strings: the table is kept for the agent's lifetime,
   * and every major GC would otherwise mark each of those strings again.
   */
  private constructor(
    private readonly hi: Uint32Array,
    private readonly lo: Uint32Array,
    private readonly nameBlob: Buffer,
    /** name i is nameBlob[nameStart[i], nameStart[i + 1]). */
    private readonly nameStart: Uint32Array,
    private readonly moduleOf: Uint16Array,
    /** Distinct module names; index 0 is '' (the kernel itself). */
    private readonly moduleNames: string[],
  ) {}

  get size(): number {
    return this.hi.length;
  }

  /** Text symbols only (t/T/w/W); zero addresses (kptr_restrict hides them) make an empty table. */
  static parse(text: string, maxSymbols = 1_000_000): KernelSymbols {
    const his: number[] = [];
    const los: number[] = [];
    const names: string[] = [];
    const modules: string[] = [];
    let from = 0;
    while (from < text.length && names.length < maxSymbols) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      // Searches stay within the line: a search for a tab over the whole rest of the file per line is quadratic.
      const line = text.slice(from, Math.min(to, from + 1024));
      from = to + 1;
      const s1 = line.indexOf(' ');
      if (s1 < 1 || s1 > 16 || s1 + 3 > line.length || line[s1 + 2] !== ' ') continue;
      const type = line[s1 + 1];
      if (type !== 't' && type !== 'T' && type !== 'w' && type !== 'W') continue;
      const split = Math.max(0, s1 - 8);
      const hi = split > 0 ? hexU32(line, 0, split) : 0;
      const lo = hexU32(line, split, s1);
      if (hi < 0 || lo < 0 || (hi === 0 && lo === 0)) continue;
      const tab = line.indexOf('\t', s1 + 3);
      const fn = (tab >= 0 ? line.slice(s1 + 3, tab) : line.slice(s1 + 3)).trim();
      if (fn === '') continue;
      // Module symbols end in "\t[module]"; kernel symbols have none.
      const module =
        tab >= 0
          ? line
              .slice(tab + 1)
              .trim()
              .replace(/^\[|\]$/g, '')
          : '';
      his.push(hi);
      los.push(lo);
      names.push(fn);
      modules.push(module);
    }
    const order = Array.from({ length: names.length }, (_, i) => i).sort(
      (a, b) => (his[a] as number) - (his[b] as number) || (los[a] as number) - (los[b] as number),
    );
    const n = order.length;
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    const nameStart = new Uint32Array(n + 1);
    const moduleOf = new Uint16Array(n);
    const moduleNames = [''];
    const moduleIndex = new Map<string, number>([['', 0]]);
    let blobLength = 0;
    for (const name of names) blobLength += Math.min(name.length, 1024);
    const nameBlob = Buffer.allocUnsafe(blobLength);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const j = order[i] as number;
      hi[i] = his[j] as number;
      lo[i] = los[j] as number;
      nameStart[i] = at;
      at += nameBlob.write((names[j] as string).slice(0, 1024), at, 'latin1');
      const module = modules[j] as string;
      let m = moduleIndex.get(module);
      if (m === undefined) {
        // More distinct modules than a u16 holds is not a real kernel: the rest read as the kernel.
        m = moduleNames.length < 0xffff ? moduleNames.push(module) - 1 : 0;
        moduleIndex.set(module, m);
      }
      moduleOf[i] = m;
    }
    nameStart[n] = at;
    return new KernelSymbols(hi, lo, nameBlob, nameStart, moduleOf, moduleNames);
  }

  /** The frame of the nearest symbol at or below `addr` (`[kernel]!fn`, `[module]!fn`); null below the first. */
  lookup(addr: bigint): string | null {
    if (addr < 0n || addr > 0xffff_ffff_ffff_ffffn) return null;
    const ahi = Number(addr >> 32n);
    const alo = Number(addr & 0xffff_ffffn);
    let lo = 0;
    let hi = this.hi.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const mh = this.hi[mid] as number;
      if (mh < ahi || (mh === ahi && (this.lo[mid] as number) <= alo)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    const name = this.nameBlob.toString('latin1', this.nameStart[found] as number, this.nameStart[found + 1] as number);
    return `[${this.moduleNames[this.moduleOf[found] as number] || 'kernel'}]!${name}`;
  }
}

/** Hex digits text[from, to) (at most 8) as a u32, or -1. */
function hexU32(text: string, from: number, to: number): number {
  if (to <= from || to - from > 8) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}
