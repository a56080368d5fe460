/** ASCII lower-casing by table: `| 0x20` would also fold `^` into `~` and `_` into DEL, both valid in names. */
const LOWER = new Uint8Array(256);
for (let b = 0; b < 256; b++) LOWER[b] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;

/** Longest header name the agent configuration allows for a request-id header. */
export const MAX_REQUEST_ID_HEADER_NAME = 64;

/**
 * The request headers whose value is recorded as a request's id, in order of preference.
 *
 * One instance is shared by a tracker and every parser it creates, so `set()` takes effect for the next request
 * head parsed on any connection. Names are pre-encoded and bucketed by length: the parser looks a header up by
 * its name length (an array index) and compares bytes, so matching allocates nothing per request or per header.
 */
export class RequestIdHeaders {
  /** `byLength[n]`: lower-case names of length n with their rank (0 = most preferred), or undefined. */
  private byLength: ({ name: Uint8Array; rank: number }[] | undefined)[] = [];
  private current: readonly string[] = [];

  constructor(names: readonly string[] = ['x-request-id']) {
    this.set(names);
  }

  /** Replaces the set. Names are matched case-insensitively; empty, over-long and duplicate names are ignored. */
  set(names: readonly string[]): void {
    const byLength: ({ name: Uint8Array; rank: number }[] | undefined)[] = new Array(
      MAX_REQUEST_ID_HEADER_NAME + 1,
    ).fill(undefined);
    const kept: string[] = [];
    for (const raw of names) {
      const name = raw.toLowerCase();
      if (name.length === 0 || name.length > MAX_REQUEST_ID_HEADER_NAME || kept.includes(name)) continue;
      const bytes = Buffer.from(name, 'latin1');
      const bucket = byLength[name.length] ?? [];
      bucket.push({ name: bytes, rank: kept.length });
      byLength[name.length] = bucket;
      kept.push(name);
    }
    this.byLength = byLength;
    this.current = Object.freeze(kept);
  }

  get names(): readonly string[] {
    return this.current;
  }

  /**
   * Rank of the header whose name is `buf[p, p + len)` (ASCII case-insensitive), or -1 when it is not a request-id
   * header.
   */
  rankOf(buf: Buffer, p: number, len: number): number {
    if (len > MAX_REQUEST_ID_HEADER_NAME) return -1;
    const bucket = this.byLength[len];
    if (bucket === undefined) return -1;
    for (let i = 0; i < bucket.length; i++) {
      const entry = bucket[i] as { name: Uint8Array; rank: number };
      const name = entry.name;
      let j = 0;
      while (j < len && LOWER[buf[p + j] as number] === name[j]) j++;
      if (j === len) return entry.rank;
    }
    return -1;
  }
}
