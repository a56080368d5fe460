import { type ProfileBatch, ProfileEventType, type ProfileSample, type ProfileStack } from '@bathyscope/wire';

/** Longest frame kept; C++ template names can run to kilobytes, and the gateway refuses longer ones. */
export const MAX_FRAME_LENGTH = 512;
/** Deepest stack kept (127 kernel + 127 user frames), leaf end kept. */
export const MAX_FRAMES = 256;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const DIRTY_RE = /[;\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const DIRTY_GLOBAL_RE = /[;\u0000-\u001f\u007f]/g;

/** A frame as it goes into folded text and onto the wire: no separators, no control characters, bounded. */
export function cleanFrame(frame: string): string {
  // Frames from the symbolizer are already clean: the test is the common path, the replace the rare one.
  const clean = DIRTY_RE.test(frame) ? frame.replace(DIRTY_GLOBAL_RE, (c) => (c === ';' ? ':' : '')) : frame;
  return clean.length > MAX_FRAME_LENGTH ? clean.slice(0, MAX_FRAME_LENGTH) : clean || '[empty]';
}

/**
 * Brendan Gregg's folded format for one stack: root first, frames joined by ';' (frames never contain ';' after
 * cleanFrame). Also the key that deduplicates stacks within a batch.
 */
export function foldStack(leafFirst: readonly string[]): string {
  let out = '';
  for (let i = leafFirst.length - 1; i >= 0; i--) out += i === leafFirst.length - 1 ? leafFirst[i] : `;${leafFirst[i]}`;
  return out;
}

/** Inverse of foldStack: leaf-first frames. */
export function unfoldStack(folded: string): string[] {
  return folded === '' ? [] : folded.split(';').reverse();
}

/** Folded lines (`root;…;leaf count`) of a batch, heaviest first: what flame graph tools read. */
export function foldedLines(batch: Pick<ProfileBatch, 'stacks' | 'samples'>): string[] {
  const totals = new Map<number, number>();
  for (const s of batch.samples) totals.set(s.stackIndex, (totals.get(s.stackIndex) ?? 0) + s.value);
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([i, v]) => `${foldStack(batch.stacks[i]?.frames ?? [])} ${v}`);
}

/** A stack ready for aggregation: frames cleaned and capped (leaf first), and their folded text as its identity. */
export interface FoldedStack {
  readonly frames: readonly string[];
  readonly folded: string;
}

/**
 * Cleans, caps and folds frames once, so a stack seen every interval is not cleaned and folded every interval.
 * `clean`: every frame already went through cleanFrame (the symbolizer's do).
 */
export function toFoldedStack(leafFirst: readonly string[], clean = false): FoldedStack {
  const capped = leafFirst.length > MAX_FRAMES ? leafFirst.slice(0, MAX_FRAMES) : leafFirst;
  const frames = clean ? capped.slice() : capped.map(cleanFrame);
  if (frames.length === 0) frames.push('[unknown]');
  return { frames, folded: foldStack(frames) };
}

/**
 * Aggregates one interval: (pid, tid, stack) → samples. Each distinct stack is stored once per batch and samples
 * refer to it by index. `seal` cuts the interval into batches of at most `maxSamplesPerBatch` rows.
 */
export class FoldedStackAggregator {
  private stackIndex = new Map<string, number>();
  private stacks: ProfileStack[] = [];
  /** tid → stack index → row: small-integer keys, so adding a sample allocates nothing once its row exists. */
  private samples = new Map<number, Map<number, ProfileSample>>();
  private rows = 0;

  constructor(private readonly maxSamplesPerBatch = 10_000) {}

  get sampleRows(): number {
    return this.rows;
  }

  add(pid: number, tid: number, processName: string, leafFirst: readonly string[], value: number): void {
    if (value <= 0) return;
    this.addFolded(pid, tid, processName, toFoldedStack(leafFirst), value);
  }

  /** `add` for a stack already made by toFoldedStack (its frames are shared, never modified). */
  addFolded(pid: number, tid: number, processName: string, stack: FoldedStack, value: number): void {
    if (value <= 0) return;
    let index = this.stackIndex.get(stack.folded);
    if (index === undefined) {
      index = this.stacks.length;
      this.stacks.push({ frames: stack.frames as string[] });
      this.stackIndex.set(stack.folded, index);
    }
    // A kernel tid names one thread of one process, and stays a small integer (Smi) as a key; rows are still checked
    // against pid, so samples that disagree (only tests make them) go to the slow path rather than merge.
    const thread = tid & 0x3fff_ffff;
    let byStack = this.samples.get(thread);
    if (!byStack) {
      byStack = new Map();
      this.samples.set(thread, byStack);
    }
    const row = byStack.get(index);
    if (row && row.pid === pid && row.tid === tid) row.value += value;
    else if (!row) {
      byStack.set(index, { pid, tid, processName: processName.slice(0, 64), stackIndex: index, value });
      this.rows++;
    } else this.addSlow(pid, tid, processName, index, value);
  }

  /** Rows whose (pid, tid) share a key with another pair (ids outside the kernel's range): found by a scan. */
  private slow: ProfileSample[] = [];

  private addSlow(pid: number, tid: number, processName: string, stackIndex: number, value: number): void {
    const row = this.slow.find((r) => r.pid === pid && r.tid === tid && r.stackIndex === stackIndex);
    if (row) row.value += value;
    else {
      this.slow.push({ pid, tid, processName: processName.slice(0, 64), stackIndex, value });
      this.rows++;
    }
  }

  /** The interval's batches (stream/seq left for the shipper) and a fresh aggregator state. */
  seal(startTimeUs: number, durationMs: number, dropped: number): Omit<ProfileBatch, 'stream' | 'seq'>[] {
    const rows: ProfileSample[] = [];
    for (const byStack of this.samples.values()) for (const r of byStack.values()) rows.push(r);
    for (const r of this.slow) rows.push(r);
    const out: Omit<ProfileBatch, 'stream' | 'seq'>[] = [];
    for (let from = 0; from < rows.length || (from === 0 && dropped > 0); from += this.maxSamplesPerBatch) {
      const chunk = rows.slice(from, from + this.maxSamplesPerBatch);
      // Each batch carries only the stacks its samples use, re-indexed.
      const remap = new Map<number, number>();
      const stacks: ProfileStack[] = [];
      const samples = chunk.map((s) => {
        let i = remap.get(s.stackIndex);
        if (i === undefined) {
          i = stacks.length;
          remap.set(s.stackIndex, i);
          stacks.push(this.stacks[s.stackIndex] as ProfileStack);
        }
        return { ...s, stackIndex: i };
      });
      out.push({
        startTimeUs,
        durationMs,
        eventType: ProfileEventType.Cpu,
        dropped: from === 0 ? dropped : 0,
        stacks,
        samples,
      });
      if (rows.length === 0) break;
    }
    this.stackIndex = new Map();
    this.stacks = [];
    this.samples = new Map();
    this.slow = [];
    this.rows = 0;
    return out;
  }
}
