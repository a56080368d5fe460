/**
 * `/tmp/perf-<pid>.map`, the symbol file JIT runtimes write for perf (Node with `--perf-basic-prof`, the JVM with
 * perf-map-agent, .NET with DOTNET_PerfMapEnabled): one `START SIZE name` line per code object, hex without 0x,
 * appended as code is compiled. Code can be moved or collected, so a later line for an overlapping range wins.
 */
export class PerfMap {
  private starts: number[] = [];
  private ends: number[] = [];
  private names: string[] = [];
  /** Sorted copies for lookup, rebuilt after appends. */
  private sorted: { starts: Float64Array; ends: Float64Array; names: string[] } | null = null;
  /** A line cut by the end of the last read (the runtime was writing it), completed by the next read. */
  private partial = '';
  /** Lines skipped because they did not parse. */
  malformed = 0;

  constructor(private readonly maxEntries = 1_000_000) {}

  get size(): number {
    return this.starts.length;
  }

  /** Feeds the next chunk of the file (appends since the last read). */
  append(chunk: string): void {
    let text = this.partial + chunk;
    const lastNl = text.lastIndexOf('\n');
    // A line over 64 KiB is not a symbol line; dropping it bounds `partial`.
    this.partial = lastNl < 0 ? text : text.slice(lastNl + 1);
    if (this.partial.length > 65_536) {
      this.partial = '';
      this.malformed++;
    }
    if (lastNl < 0) return;
    text = text.slice(0, lastNl);
    let from = 0;
    while (from <= text.length) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      this.addLine(text, from, to);
      from = to + 1;
    }
    this.sorted = null;
  }

  private addLine(text: string, from: number, to: number): void {
    if (to === from) return;
    const s1 = text.indexOf(' ', from);
    const s2 = s1 < 0 ? -1 : text.indexOf(' ', s1 + 1);
    if (s1 < 0 || s2 < 0 || s2 >= to || s1 - from > 16 || s2 - s1 - 1 > 16) {
      this.malformed++;
      return;
    }
    const startText = text.slice(from, s1);
    const sizeText = text.slice(s1 + 1, s2);
    if (!/^(0x)?[0-9a-fA-F]{1,13}$/.test(startText) || !/^(0x)?[0-9a-fA-F]{1,13}$/.test(sizeText)) {
      this.malformed++;
      return;
    }
    const start = Number.parseInt(startText, 16);
    const size = Number.parseInt(sizeText, 16);
    const name = text.slice(s2 + 1, Math.min(to, s2 + 1 + 1024)).trimEnd();
    if (size === 0 || name === '') {
      this.malformed++;
      return;
    }
    if (this.starts.length >= this.maxEntries) return;
    this.starts.push(start);
    this.ends.push(start + size);
    this.names.push(name);
  }

  /** The code object containing `addr`, latest definition first. */
  lookup(addr: number): string | null {
    const s = this.sorted ?? this.sort();
    let lo = 0;
    let hi = s.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((s.starts[mid] as number) <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Entries sharing a start were ordered oldest → newest, so `found` is the newest; an older, longer object
    // starting earlier may still cover addr — walk back a few entries for it.
    for (let i = found; i >= 0 && i > found - 8; i--) {
      if (addr < (s.ends[i] as number)) return s.names[i] as string;
    }
    return null;
  }

  private sort(): { starts: Float64Array; ends: Float64Array; names: string[] } {
    const n = this.starts.length;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (this.starts[a] as number) - (this.starts[b] as number) || a - b,
    );
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const names: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[i] as number;
      starts[i] = this.starts[j] as number;
      ends[i] = this.ends[j] as number;
      names[i] = this.names[j] as string;
    }
    this.sorted = { starts, ends, names };
    return this.sorted;
  }
}
