import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  decodeRecordAt,
  encodeRecord,
  SEGMENT_HEADER_BYTES,
  type SpoolRecord,
  scanSegment,
  segmentHeader,
} from './record-format';

export interface SpoolBounds {
  /** Disk the segments may take (memory, for a spool without a directory). Over it the oldest segment goes. */
  maxBytes: number;
  /** Batches older than this are dropped unsent: telemetry that old is rarely worth the backlog it causes. */
  maxAgeMs: number;
  /** Rows held, the group configuration's `spool.maxPendingRows`. */
  maxRows: number;
}

export interface SpoolOptions extends SpoolBounds {
  /** Segment files live here; null keeps batches in memory only (tests, and a read-only state directory). */
  dir: string | null;
  /** A segment is closed and a new one started past this size; default min(8 MiB, maxBytes / 4). */
  segmentBytes?: number;
  /** Dirty segments are fsynced this often (and on every segment roll); 0 fsyncs after every append. */
  fsyncIntervalMs?: number;
  /** Bodies of recent batches kept in memory so shipping them does not read the disk back. */
  memoryCacheBytes?: number;
  now?: () => number;
}

export type DropReason = 'age' | 'size' | 'shutdown';

/** Cumulative, persisted in `state.json`: a restart (even `kill -9`) does not forget a loss already counted. */
export interface SpoolLosses {
  rowsDropped: number;
  bytesDropped: number;
  batchesDropped: number;
  rowsDroppedAge: number;
  rowsDroppedSize: number;
  lastDropAt: number | null;
}

interface Segment {
  file: string;
  firstSeq: number;
  bytes: number;
  /** Records of this segment not yet consumed. */
  pending: number;
  fd: number | null;
}

interface Entry {
  seq: number;
  stream: string;
  rows: number;
  createdAtMs: number;
  /** Bytes the batch takes: its record on disk, or its body in memory. */
  bytes: number;
  segment: Segment | null;
  offset: number;
  length: number;
  /** In memory while cached (always, for a batch that is on no segment). */
  body: Buffer | null;
}

export interface SpooledBatch {
  seq: number;
  stream: string;
  rows: number;
  createdAtMs: number;
  body: Buffer;
}

const STATE_FILE = 'state.json';
const SEGMENT_RE = /^seg-(\d{20})\.bsp$/;
/** A drained active segment at least this big is deleted and a fresh one started, so disk use stays small. */
const RECYCLE_BYTES = 1 << 20;
const STATE_WRITE_EVERY_MS = 250;

/**
 * A FIFO of encoded batches on disk (segment files of CRC-framed records, see record-format.ts), bounded by bytes,
 * age and rows. Batches leave it only from the head, acknowledged or dropped; dropping is always counted, and
 * the counts survive restarts. Appends are a single write() into the page cache, so a batch appended survives a
 * crash of the process; fsync runs off the event loop every `fsyncIntervalMs` and on each segment roll, so a
 * power failure loses at most that interval.
 */
export class BatchSpool {
  private readonly entries: Entry[] = [];
  private head = 0;
  private readonly segments: Segment[] = [];
  private active: Segment | null = null;
  private dirty = false;
  private fsyncTimer: NodeJS.Timeout | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  private consumedThrough = -1;
  private maxSeq = -1;
  private cachedBytes = 0;
  private closed = false;
  private readonly bounds: SpoolBounds;
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number;
  private readonly memoryCacheBytes: number;
  private readonly now: () => number;
  readonly dir: string | null;
  readonly losses: SpoolLosses = {
    rowsDropped: 0,
    bytesDropped: 0,
    batchesDropped: 0,
    rowsDroppedAge: 0,
    rowsDroppedSize: 0,
    lastDropAt: null,
  };
  readonly stats = {
    pendingRows: 0,
    pendingBatches: 0,
    /** Segment files on disk (or bodies in memory, without a directory). */
    bytes: 0,
    rowsRecovered: 0,
    batchesRecovered: 0,
    /** Torn or corrupt tails cut off at recovery. */
    bytesTruncated: 0,
    writeErrors: 0,
    lastWriteError: null as string | null,
    fsyncs: 0,
    diskReads: 0,
  };

  constructor(options: SpoolOptions) {
    this.dir = options.dir;
    this.bounds = { maxBytes: options.maxBytes, maxAgeMs: options.maxAgeMs, maxRows: options.maxRows };
    this.segmentBytes = Math.max(64 << 10, options.segmentBytes ?? Math.min(8 << 20, Math.floor(options.maxBytes / 4)));
    this.fsyncIntervalMs = options.fsyncIntervalMs ?? 1000;
    this.memoryCacheBytes = options.memoryCacheBytes ?? 16 << 20;
    this.now = options.now ?? Date.now;
    if (this.dir) this.recover(this.dir);
  }

  /** Highest seq ever appended here (including consumed ones), -1 if none: new seqs must be above it. */
  get lastSeq(): number {
    return Math.max(this.maxSeq, this.consumedThrough);
  }

  get pendingBatches(): number {
    return this.entries.length - this.head;
  }

  setBounds(bounds: Partial<SpoolBounds>): void {
    Object.assign(this.bounds, bounds);
    this.enforce();
  }

  get maxRows(): number {
    return this.bounds.maxRows;
  }

  /** Stores a batch. On disk when there is a directory; a failed write keeps it in memory (counted). */
  append(batch: SpooledBatch): void {
    if (this.closed) throw new Error('spool is closed');
    if (batch.seq <= this.lastSeq) throw new RangeError(`seq ${batch.seq} is not above ${this.lastSeq}`);
    const entry: Entry = {
      seq: batch.seq,
      stream: batch.stream,
      rows: batch.rows,
      createdAtMs: batch.createdAtMs,
      bytes: batch.body.length,
      segment: null,
      offset: 0,
      length: 0,
      body: batch.body,
    };
    if (this.dir) this.writeEntry(this.dir, entry, batch);
    if (entry.body) this.cachedBytes += entry.body.length;
    if (!entry.segment) this.stats.bytes += entry.bytes;
    this.maxSeq = batch.seq;
    this.entries.push(entry);
    this.stats.pendingRows += entry.rows;
    this.stats.pendingBatches++;
    this.evictCache();
    this.enforce();
  }

  /** The oldest batch not yet consumed, body loaded. */
  peek(): SpooledBatch | undefined {
    const e = this.entries[this.head];
    if (!e) return undefined;
    let body = e.body;
    if (!body) {
      body = this.readBody(e);
      if (!body) {
        // Unreadable after all (the file vanished or rotted): counted as lost rather than retried forever.
        this.consumeHead('size');
        return this.peek();
      }
    }
    return { seq: e.seq, stream: e.stream, rows: e.rows, createdAtMs: e.createdAtMs, body };
  }

  /** The head batch was delivered (or refused for good): it leaves the spool. A no-op if it was dropped meanwhile. */
  ack(seq: number): boolean {
    const e = this.entries[this.head];
    if (!e || e.seq !== seq) return false;
    this.consumeHead(null);
    return true;
  }

  /** Whether `seq` is still waiting to be delivered (a batch in flight may be dropped by a bound meanwhile). */
  isPending(seq: number): boolean {
    return this.entries[this.head]?.seq === seq;
  }

  /** Drops every pending batch, counted. Returns the rows dropped. */
  dropAll(reason: DropReason = 'size'): number {
    let rows = 0;
    while (this.head < this.entries.length) rows += this.consumeHead(reason);
    return rows;
  }

  /** Applies the bounds now: age is also checked here, not only when a batch arrives. */
  enforce(): void {
    const { maxRows, maxAgeMs, maxBytes } = this.bounds;
    while (this.stats.pendingRows > maxRows && this.head < this.entries.length) this.consumeHead('size');
    const oldest = this.now() - maxAgeMs;
    while (this.head < this.entries.length && (this.entries[this.head] as Entry).createdAtMs < oldest) {
      this.consumeHead('age');
    }
    // Disk: whole segments go, the oldest first; the one being written stays.
    while (this.stats.bytes > maxBytes && this.segments.length > 1) {
      const first = this.segments[0] as Segment;
      while (this.head < this.entries.length && (this.entries[this.head] as Entry).segment === first) {
        this.consumeHead('size');
      }
      // Batches held in memory only (a failed write) ahead of the segment: dropped with it, oldest first.
      if (first.pending > 0) this.consumeHead('size');
      else if (this.segments[0] === first) this.removeSegment(first);
    }
    while (this.stats.bytes > maxBytes && this.head < this.entries.length && !this.entries[this.head]?.segment) {
      this.consumeHead('size');
    }
  }

  /** Releases cached bodies (they stay on disk). Returns the bytes released. */
  shedMemory(): number {
    let released = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i] as Entry;
      if (e.body && e.segment) {
        released += e.body.length;
        e.body = null;
      }
    }
    this.cachedBytes -= released;
    return released;
  }

  /** fsyncs and closes the segment being written. Pending batches stay on disk for the next start. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.fsyncTimer);
    clearTimeout(this.stateTimer);
    if (this.active?.fd != null) {
      try {
        fs.fsyncSync(this.active.fd);
        this.stats.fsyncs++;
      } catch {
        // The data is in the page cache; a failing fsync on shutdown changes nothing we could act on.
      }
      fs.closeSync(this.active.fd);
      this.active.fd = null;
    }
    this.writeState();
  }

  private consumeHead(reason: DropReason | null): number {
    const e = this.entries[this.head] as Entry;
    this.entries[this.head] = undefined as unknown as Entry;
    this.head++;
    this.stats.pendingRows -= e.rows;
    this.stats.pendingBatches--;
    if (e.body) this.cachedBytes -= e.body.length;
    if (reason) {
      this.losses.rowsDropped += e.rows;
      this.losses.bytesDropped += e.bytes;
      this.losses.batchesDropped++;
      if (reason === 'age') this.losses.rowsDroppedAge += e.rows;
      else if (reason === 'size') this.losses.rowsDroppedSize += e.rows;
      this.losses.lastDropAt = this.now();
      // A counted loss is written before anything can report it (a microtask: once per burst of drops), so
      // `kill -9` right after the status shows a drop cannot make the agent forget it.
      if (!this.lossWriteQueued) {
        this.lossWriteQueued = true;
        queueMicrotask(() => {
          this.lossWriteQueued = false;
          this.writeState();
        });
      }
    }
    if (e.seq > this.consumedThrough) this.consumedThrough = e.seq;
    if (e.segment) {
      e.segment.pending--;
      if (e.segment.pending === 0) this.releaseSegment(e.segment);
    } else {
      this.stats.bytes -= e.bytes;
    }
    // The array is compacted now and then rather than shifted per batch: O(1) amortised at any backlog.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    this.scheduleState();
    return e.rows;
  }

  /** A drained segment is deleted, unless it is being written and still small. */
  private releaseSegment(s: Segment): void {
    if (s === this.active) {
      if (s.bytes < RECYCLE_BYTES) return;
      if (s.fd !== null) fs.closeSync(s.fd);
      s.fd = null;
      this.active = null;
    }
    this.removeSegment(s);
  }

  private removeSegment(s: Segment): void {
    const i = this.segments.indexOf(s);
    if (i >= 0) this.segments.splice(i, 1);
    this.stats.bytes -= s.bytes;
    if (s.fd !== null) {
      fs.closeSync(s.fd);
      s.fd = null;
    }
    if (s === this.active) this.active = null;
    try {
      fs.unlinkSync(s.file);
    } catch {
      // Already gone: nothing to free.
    }
  }

  private writeEntry(dir: string, entry: Entry, batch: SpooledBatch): void {
    const record = encodeRecord(batch satisfies SpoolRecord);
    try {
      if (
        !this.active ||
        (this.active.bytes + record.length > this.segmentBytes && this.active.bytes > SEGMENT_HEADER_BYTES)
      ) {
        this.roll(dir, batch.seq);
      }
      const s = this.active as Segment;
      writeFully(s.fd as number, record);
      entry.segment = s;
      entry.offset = s.bytes;
      entry.length = record.length;
      entry.bytes = record.length;
      s.bytes += record.length;
      s.pending++;
      this.stats.bytes += record.length;
      if (this.memoryCacheBytes <= 0) entry.body = null;
      this.markDirty();
    } catch (err) {
      // A full or failing disk: the batch is kept in memory, bounded like the rest, so delivery goes on.
      this.stats.writeErrors++;
      this.stats.lastWriteError = (err as Error).message;
      if (this.active && this.active.fd !== null) {
        // The segment may end in a partial record now: start a new one rather than append after garbage.
        fs.closeSync(this.active.fd);
        this.active.fd = null;
        if (this.active.pending === 0) this.removeSegment(this.active);
        this.active = null;
      }
    }
  }

  /** Starts a new segment; the previous one is fsynced and closed (its entry in the directory too). */
  private roll(dir: string, firstSeq: number): void {
    const prev = this.active;
    if (prev?.fd != null) {
      const fd = prev.fd;
      prev.fd = null;
      this.stats.fsyncs++;
      // Off the event loop; until it completes the data is in the page cache (safe from a process crash).
      fs.fsync(fd, () => fs.close(fd, () => {}));
    }
    if (prev && prev.pending === 0) this.removeSegment(prev);
    const file = path.join(dir, `seg-${String(firstSeq).padStart(20, '0')}.bsp`);
    const fd = fs.openSync(file, 'w+', 0o600);
    const s: Segment = { file, firstSeq, bytes: 0, pending: 0, fd };
    this.active = s;
    this.segments.push(s);
    writeFully(fd, segmentHeader());
    s.bytes = SEGMENT_HEADER_BYTES;
    this.stats.bytes += SEGMENT_HEADER_BYTES;
    fsyncDir(dir);
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.fsyncIntervalMs <= 0) {
      this.syncActive();
      return;
    }
    if (this.fsyncTimer) return;
    this.fsyncTimer = setTimeout(() => {
      this.fsyncTimer = undefined;
      this.syncActive();
    }, this.fsyncIntervalMs);
    this.fsyncTimer.unref();
  }

  private syncActive(): void {
    if (!this.dirty || this.active?.fd == null) return;
    this.dirty = false;
    this.stats.fsyncs++;
    if (this.fsyncIntervalMs <= 0) {
      fs.fsyncSync(this.active.fd);
      return;
    }
    // Off the event loop: capture and shipping go on while the disk catches up.
    fs.fsync(this.active.fd, () => {});
  }

  private readBody(e: Entry): Buffer | null {
    if (!e.segment) return null;
    try {
      const buf = Buffer.allocUnsafe(e.length);
      const fd = e.segment.fd ?? fs.openSync(e.segment.file, 'r');
      try {
        const n = fs.readSync(fd, buf, 0, e.length, e.offset);
        this.stats.diskReads++;
        return n === e.length ? (decodeRecordAt(buf, 0)?.body ?? null) : null;
      } finally {
        if (fd !== e.segment.fd) fs.closeSync(fd);
      }
    } catch {
      return null;
    }
  }

  private evictCache(): void {
    // Oldest cached bodies go first: the newest are the ones that will be sent last, but only the head is read
    // soon, and it is read once. Keeping the tail makes a short outage replay from memory.
    for (let i = this.head; i < this.entries.length && this.cachedBytes > this.memoryCacheBytes; i++) {
      const e = this.entries[i] as Entry;
      if (e.body && e.segment) {
        this.cachedBytes -= e.body.length;
        e.body = null;
      }
    }
  }

  private lossWriteQueued = false;

  private scheduleState(): void {
    if (!this.dir || this.stateTimer || this.closed) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      this.writeState();
    }, STATE_WRITE_EVERY_MS);
    this.stateTimer.unref();
  }

  /**
   * Where consumption got to and the losses so far. Not fsynced: losing it replays batches already delivered,
   * which the gateway deduplicates by (agent, stream, seq).
   */
  private writeState(): void {
    if (!this.dir) return;
    const file = path.join(this.dir, STATE_FILE);
    try {
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ consumedThrough: this.consumedThrough, losses: this.losses }));
      fs.renameSync(tmp, file);
    } catch (err) {
      this.stats.writeErrors++;
      this.stats.lastWriteError = (err as Error).message;
    }
  }

  private recover(dir: string): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      const state = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8'));
      if (Number.isSafeInteger(state.consumedThrough)) this.consumedThrough = state.consumedThrough;
      for (const k of Object.keys(this.losses) as (keyof SpoolLosses)[]) {
        if (typeof state.losses?.[k] === 'number') this.losses[k] = state.losses[k];
      }
    } catch {
      // No state yet (or torn): everything on disk is replayed; the gateway drops what it already has.
    }
    const names = fs
      .readdirSync(dir)
      .filter((n) => SEGMENT_RE.test(n))
      .sort();
    for (const name of names) {
      const file = path.join(dir, name);
      const buf = fs.readFileSync(file);
      const scan = scanSegment(buf);
      if (scan.validBytes < buf.length) {
        this.stats.bytesTruncated += buf.length - scan.validBytes;
        if (scan.validBytes === 0) {
          fs.unlinkSync(file);
          continue;
        }
        fs.truncateSync(file, scan.validBytes);
      }
      const seg: Segment = {
        file,
        firstSeq: Number(SEGMENT_RE.exec(name)?.[1]),
        bytes: scan.validBytes,
        pending: 0,
        fd: null,
      };
      for (const r of scan.records) {
        if (r.seq <= this.maxSeq) continue;
        this.maxSeq = r.seq;
        if (r.seq <= this.consumedThrough) continue;
        seg.pending++;
        this.entries.push({
          seq: r.seq,
          stream: r.stream,
          rows: r.rows,
          createdAtMs: r.createdAtMs,
          bytes: r.length,
          segment: seg,
          offset: r.offset,
          length: r.length,
          body: null,
        });
        this.stats.pendingRows += r.rows;
        this.stats.pendingBatches++;
        this.stats.rowsRecovered += r.rows;
        this.stats.batchesRecovered++;
      }
      if (seg.pending === 0) {
        fs.unlinkSync(file);
        continue;
      }
      this.segments.push(seg);
      this.stats.bytes += seg.bytes;
    }
    this.enforce();
  }
}

function writeFully(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the file's own fsync still holds its data.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
