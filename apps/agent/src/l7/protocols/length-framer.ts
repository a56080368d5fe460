/**
 * Message framing for one direction of a length-prefixed protocol (PostgreSQL, MySQL, Kafka, MQTT, DNS over TCP,
 * HTTP/2 frames). Only a message's head (its first `headCap` bytes) is ever kept: the rest is skipped by
 * arithmetic, so a 100 MB result set or a capture gap inside a body costs nothing. Only a head split across
 * syscalls is copied, into a buffer allocated on first need and released after use when large.
 *
 * Failure model: bytes that do not frame, a gap where the length or the head should be, or a head over the cap
 * make the direction lose sync; whole chunks are then skipped until one starts with what `startsMessage` accepts
 * (writes and reads usually align with message boundaries). Nothing throws.
 */
export interface FrameHandler {
  /**
   * Total length of the message starting at `buf[off]` given `avail` bytes: > 0 the length, 0 more bytes are
   * needed, -1 not a valid message start.
   */
  frameLength(buf: Buffer, off: number, avail: number): number;
  /** Whether a chunk that arrives while out of sync plausibly starts a message. */
  startsMessage(buf: Buffer): boolean;
  /**
   * One message: `head` holds its first `headLen` bytes (all of it when `headLen === totalLen`); `complete` is false
   * when part of the head was not captured (the head is then only valid up to `headLen`).
   */
  onMessage(head: Buffer, headOff: number, headLen: number, totalLen: number, startNs: bigint, endNs: bigint): void;
  /** The direction lost sync at `tsNs`: messages may have been missed. */
  onDesync(tsNs: bigint): void;
}

const RELEASE_ABOVE = 1024;
const EMPTY = Buffer.alloc(0);

export class LengthFramer {
  /** Copy of a head split across chunks. */
  private buf: Buffer | null = null;
  private bufLen = 0;
  /** Length of the message in progress, -1 while its length is not known yet. */
  private total = -1;
  /** Bytes of the message in progress seen (captured or skipped). */
  private seen = 0;
  private startNs = 0n;
  private lost = false;
  /** Bytes skipped while out of sync (counted by the session). */
  skippedBytes = 0;

  constructor(
    private readonly handler: FrameHandler,
    private readonly headCap: number,
  ) {}

  get inSync(): boolean {
    return !this.lost;
  }

  /** Bytes held for a split head (never more than the cap). */
  get bufferedBytes(): number {
    return this.buf === null ? 0 : this.buf.length;
  }

  /** Between messages (nothing of a message buffered or pending). */
  get idle(): boolean {
    return this.total < 0 && this.bufLen === 0;
  }

  feed(data: Buffer, tsNs: bigint): void {
    if (this.lost) {
      if (!this.handler.startsMessage(data)) {
        this.skippedBytes += data.length;
        return;
      }
      this.lost = false;
    }
    const n = data.length;
    let p = 0;
    while (p < n && !this.lost) {
      if (this.total < 0) {
        if (this.bufLen === 0) {
          // Fast path: the message's head is inside this chunk, nothing is copied.
          const t = this.handler.frameLength(data, p, n - p);
          if (t < 0) {
            this.loseSync(tsNs);
            return;
          }
          this.startNs = tsNs;
          if (t === 0) {
            this.stash(data, p, n - p, tsNs);
            return;
          }
          const keep = Math.min(t, this.headCap);
          if (n - p >= keep) {
            if (n - p >= t) {
              this.handler.onMessage(data, p, keep, t, tsNs, tsNs);
              p += t;
              continue;
            }
            // Head complete here, the rest of the message follows: keep the head, skip the remainder later.
            this.total = t;
            this.seen = n - p;
            this.stashHead(data, p, keep);
            return;
          }
          this.total = t;
          this.seen = n - p;
          this.stash(data, p, n - p, tsNs);
          return;
        }
        // A head is buffered: add to it until the length is known.
        const add = Math.min(n - p, this.headCap - this.bufLen);
        if (add <= 0) {
          this.loseSync(tsNs);
          return;
        }
        this.append(data, p, add);
        const t = this.handler.frameLength(this.buf as Buffer, 0, this.bufLen);
        if (t < 0) {
          this.loseSync(tsNs);
          return;
        }
        if (t === 0) {
          p += add;
          if (this.bufLen >= this.headCap) {
            this.loseSync(tsNs);
            return;
          }
          continue;
        }
        // Length known: the bytes appended beyond the message belong to the next one.
        const before = this.bufLen - add;
        // A length no longer than what was already known to be incomplete is a broken frameLength: never loop on it.
        if (t <= before) {
          this.loseSync(tsNs);
          return;
        }
        const used = Math.min(add, t - before);
        this.bufLen = Math.min(this.bufLen, t, this.headCap);
        this.total = t;
        this.seen = before + used;
        p += used;
        if (this.seen >= t) this.deliver(tsNs);
        continue;
      }
      // Length known: take bytes until the message ends.
      const take = Math.min(n - p, this.total - this.seen);
      const want = Math.min(this.total, this.headCap) - this.bufLen;
      if (want > 0 && this.seen === this.bufLen) this.append(data, p, Math.min(want, take));
      this.seen += take;
      p += take;
      if (this.seen >= this.total) this.deliver(tsNs);
    }
  }

  /** `len` bytes were transferred but not captured. */
  gap(len: number, tsNs: bigint): void {
    if (this.lost) {
      this.skippedBytes += len;
      return;
    }
    if (this.total >= 0 && this.total - this.seen >= len) {
      // Inside a body: skipped by arithmetic. A head cut short stays short (bufLen stops growing).
      this.seen += len;
      if (this.seen >= this.total) this.deliver(tsNs);
      return;
    }
    this.loseSync(tsNs);
  }

  /** Forget the message in progress (the session decided the stream changed, e.g. TLS started). */
  reset(): void {
    this.total = -1;
    this.seen = 0;
    this.bufLen = 0;
    if (this.buf !== null && this.buf.length > RELEASE_ABOVE) this.buf = null;
  }

  private deliver(tsNs: bigint): void {
    const total = this.total;
    const headLen = this.bufLen;
    const startNs = this.startNs;
    this.total = -1;
    this.seen = 0;
    this.bufLen = 0;
    const buf = this.buf ?? EMPTY;
    if (buf.length > RELEASE_ABOVE) this.buf = null;
    this.handler.onMessage(buf, 0, headLen, total, startNs, tsNs);
  }

  private stash(data: Buffer, p: number, len: number, tsNs: bigint): void {
    if (len > this.headCap) {
      // Length unknown beyond the cap: cannot be framed.
      if (this.total < 0) {
        this.loseSync(tsNs);
        return;
      }
      len = this.headCap;
    }
    this.bufLen = 0;
    this.append(data, p, len);
  }

  private stashHead(data: Buffer, p: number, keep: number): void {
    this.bufLen = 0;
    this.append(data, p, keep);
  }

  private append(data: Buffer, p: number, len: number): void {
    const need = this.bufLen + len;
    let buf = this.buf;
    if (buf === null || buf.length < need) {
      const next = Buffer.allocUnsafe(Math.min(this.headCap, Math.max(need, 256, buf === null ? 0 : buf.length * 2)));
      if (buf !== null && this.bufLen > 0) buf.copy(next, 0, 0, this.bufLen);
      buf = next;
      this.buf = buf;
    }
    data.copy(buf, this.bufLen, p, p + len);
    this.bufLen = need;
  }

  private loseSync(tsNs: bigint): void {
    this.total = -1;
    this.seen = 0;
    this.bufLen = 0;
    if (this.buf !== null && this.buf.length > RELEASE_ABOVE) this.buf = null;
    this.lost = true;
    this.handler.onDesync(tsNs);
  }
}
