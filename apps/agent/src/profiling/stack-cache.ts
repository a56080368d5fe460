/**
 * Symbolized stacks remembered across intervals by their instruction pointers. A steady workload samples the same
 * few hundred stacks every interval; resolving each of their frames again (maps, ELF tables, per-address caches)
 * was most of the agent's per-interval cost. A hit costs one hash over the stack's words and one compare.
 */

/** One symbolized half of a sample (kernel or user), frames leaf first and already cleaned. */
export interface StackPart {
  /** Unique per symbolization (never reused), so pairs of parts can be cached by id. */
  readonly id: number;
  readonly frames: readonly string[];
}

interface Entry {
  /** The stack's instruction pointers as u32 pairs (a private copy: drained buffers are reused views). */
  readonly words: Uint32Array;
  /** Who the addresses belong to: a process incarnation (its maps), or 0 for the kernel. */
  readonly owner: number;
  readonly part: StackPart;
  seen: number;
  next: Entry | undefined;
}

/** FNV-1a over the stack's u32 words, seeded with its owner so equal addresses of two processes spread apart. */
export function hashStackWords(words: Uint32Array, owner: number): number {
  let h = (0x811c9dc5 ^ owner) >>> 0;
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ (words[i] as number), 0x01000193);
  }
  // 30 bits: a small integer (Smi) to V8, so Map lookups neither box the key nor hash a double.
  return Math.imul(h ^ words.length, 0x01000193) & 0x3fff_ffff;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Hash → chained entries, verified word by word, so a hash collision can never return another stack's frames.
 * Bounded: at `maxEntries` the entries not used in the current interval go first, then everything.
 */
export class StackCache {
  private buckets = new Map<number, Entry>();
  private count = 0;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.count;
  }

  get(words: Uint32Array, owner: number, hash: number, interval: number): StackPart | undefined {
    for (let e = this.buckets.get(hash); e !== undefined; e = e.next) {
      if (e.owner === owner && sameWords(e.words, words)) {
        e.seen = interval;
        return e.part;
      }
    }
    return undefined;
  }

  set(words: Uint32Array, owner: number, hash: number, part: StackPart, interval: number): void {
    if (this.count >= this.maxEntries) {
      this.sweep(interval);
      if (this.count >= this.maxEntries) this.clear();
    }
    const entry: Entry = { words: words.slice(), owner, part, seen: interval, next: this.buckets.get(hash) };
    this.buckets.set(hash, entry);
    this.count++;
  }

  /** Drops entries last used before interval `keepFrom`. */
  sweep(keepFrom: number): void {
    for (const [hash, head] of this.buckets) {
      let kept: Entry | undefined;
      let e: Entry | undefined = head;
      while (e !== undefined) {
        const next: Entry | undefined = e.next;
        if (e.seen >= keepFrom) {
          e.next = kept;
          kept = e;
        } else this.count--;
        e = next;
      }
      if (kept === undefined) this.buckets.delete(hash);
      else this.buckets.set(hash, kept);
    }
  }

  clear(): void {
    this.buckets = new Map();
    this.count = 0;
  }
}
