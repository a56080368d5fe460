import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * One coalesced insert as it is written before ClickHouse sees it: the table, the block's deduplication token, the
 * agent batches (members, by their own tokens) it carries, and the JSONEachRow body sent to ClickHouse.
 */
export interface WalBlock {
  table: string;
  token: string;
  members: string[];
  /** JSONEachRow, one row per line; exactly the bytes inserted. */
  body: string;
}

export class WalDecodeError extends Error {}

const MAGIC = 'bswal1';
const TOKEN_RE = /^[A-Za-z0-9:_-]{1,200}$/;
const TABLE_RE = /^[a-z_][a-z0-9_]{0,63}$/;
const LOG_RE = /^committed-(\d{1,15})\.log$/;
const MAX_RECOVERED_LOGS = 8;

/**
 * `bswal1 <crc32 hex> <body bytes>\n<header JSON>\n<body>`: the checksum covers header and body, so a torn write (the
 * process died before the fsync completed) is recognised and the block discarded — it was never inserted, because
 * inserting starts only after the file is durable.
 */
export function encodeWalBlock(block: WalBlock): Buffer {
  const header = Buffer.from(`${JSON.stringify({ table: block.table, token: block.token, members: block.members })}\n`);
  const body = Buffer.from(block.body);
  const crc = crc32(body, crc32(header));
  return Buffer.concat([Buffer.from(`${MAGIC} ${crc.toString(16).padStart(8, '0')} ${body.length}\n`), header, body]);
}

export function decodeWalBlock(bytes: Buffer): WalBlock {
  const firstNl = bytes.indexOf(10);
  if (firstNl < 0 || firstNl > 64) throw new WalDecodeError('no WAL preamble');
  const m = /^bswal1 ([0-9a-f]{8}) ([0-9]{1,12})$/.exec(bytes.subarray(0, firstNl).toString('latin1'));
  if (!m) throw new WalDecodeError('bad WAL preamble');
  const bodyLength = Number(m[2]);
  const headerEnd = bytes.indexOf(10, firstNl + 1);
  if (headerEnd < 0) throw new WalDecodeError('truncated WAL header');
  const header = bytes.subarray(firstNl + 1, headerEnd + 1);
  const body = bytes.subarray(headerEnd + 1);
  if (body.length !== bodyLength) throw new WalDecodeError(`WAL body has ${body.length} of ${bodyLength} bytes`);
  if (crc32(body, crc32(header)) !== Number.parseInt(m[1] as string, 16)) throw new WalDecodeError('WAL checksum');
  let parsed: unknown;
  try {
    parsed = JSON.parse(header.toString('utf8'));
  } catch {
    throw new WalDecodeError('WAL header is not JSON');
  }
  const h = parsed as Partial<WalBlock>;
  if (
    typeof h !== 'object' ||
    h === null ||
    typeof h.table !== 'string' ||
    !TABLE_RE.test(h.table) ||
    typeof h.token !== 'string' ||
    !TOKEN_RE.test(h.token) ||
    !Array.isArray(h.members) ||
    !h.members.every((t) => typeof t === 'string' && TOKEN_RE.test(t))
  ) {
    throw new WalDecodeError('WAL header fields');
  }
  return { table: h.table, token: h.token, members: h.members, body: body.toString('utf8') };
}

export interface InsertWalOptions {
  /** Agent batches whose commit is remembered, per generation; two generations are kept. */
  generationMs?: number;
  /** Upper bound on remembered batches; past it the older generation is dropped early (counted). */
  maxRemembered?: number;
  /** Remembered batches found at start stay known this long (agents come back after the gateway does). */
  recoveredTtlMs?: number;
  now?: () => number;
}

/**
 * The gateway's write-ahead log for coalesced inserts (embedded mode, where one process owns ClickHouse):
 *
 * - a block file per insert in flight, made durable before the insert starts and removed after it committed — a
 *   restart re-inserts what is left under the same deduplication token, so ClickHouse keeps it once;
 * - the commit log: which agent batches (member tokens) are stored. A retry of a batch whose answer was lost is then
 *   recognised and answered without a second insert, because it can no longer be deduplicated by ClickHouse: its rows
 *   went in as part of a larger block with another token.
 *
 * Commit-log entries are appended (no fsync of their own): the block file is removed only after its members' entries
 * are durable, so a crash in between replays the block (a no-op for ClickHouse) and writes them again.
 */
export class InsertWal {
  private readonly generationMs: number;
  private readonly maxRemembered: number;
  private readonly recoveredTtlMs: number;
  private readonly now: () => number;
  private current = new Set<string>();
  private previous = new Set<string>();
  private recovered = new Set<string>();
  private readonly recoveredFiles = new Set<string>();
  private recoveredUntil = 0;
  private generationStarted: number;
  private logFd: number | undefined;
  private generation = 0;
  /** Remembered batches dropped before their time because of maxRemembered. */
  droppedEarly = 0;

  constructor(
    private readonly dir: string,
    options: InsertWalOptions = {},
  ) {
    this.generationMs = options.generationMs ?? 5 * 60_000;
    this.maxRemembered = options.maxRemembered ?? 2_000_000;
    this.recoveredTtlMs = options.recoveredTtlMs ?? 60 * 60_000;
    this.now = options.now ?? Date.now;
    this.generationStarted = this.now();
  }

  /**
   * Opens the log: loads the commit logs left by an earlier process as "recovered" and returns the block files
   * that never finished (torn ones are removed and counted in `torn`). Call before accepting batches.
   */
  open(): { pending: { file: string; block: WalBlock }[]; torn: number } {
    fs.mkdirSync(this.dir, { recursive: true });
    const pending: { file: string; block: WalBlock }[] = [];
    let torn = 0;
    const logs: { name: string; generation: number }[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      const log = LOG_RE.exec(name);
      if (name.endsWith('.block')) {
        try {
          pending.push({ file, block: decodeWalBlock(fs.readFileSync(file)) });
        } catch (err) {
          if (!(err instanceof WalDecodeError)) throw err;
          fs.rmSync(file, { force: true });
          torn++;
        }
      } else if (log) {
        logs.push({ name, generation: Number(log[1]) });
      }
    }
    logs.sort((a, b) => a.generation - b.generation);
    // A process that keeps crashing must not pile logs up: the newest few hold what can still be retried.
    for (const old of logs.splice(0, Math.max(0, logs.length - MAX_RECOVERED_LOGS))) {
      fs.rmSync(path.join(this.dir, old.name), { force: true });
    }
    for (const log of logs) {
      // A torn last line belongs to a block whose file still exists: it is written again after the replay.
      const lines = fs.readFileSync(path.join(this.dir, log.name), 'utf8').split('\n');
      for (const line of lines) if (TOKEN_RE.test(line)) this.recovered.add(line);
      this.recoveredFiles.add(log.name);
      this.generation = Math.max(this.generation, log.generation);
    }
    this.recoveredUntil = this.now() + this.recoveredTtlMs;
    this.rotate();
    return { pending, torn };
  }

  /** Writes a block file and makes it durable (file and directory entry). */
  writeBlock(block: WalBlock): string {
    const file = path.join(this.dir, `${block.token.replace(/:/g, '_')}.block`);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, encodeWalBlock(block));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.syncDir();
    return file;
  }

  /** Records the members as stored (durably), then removes the block file. */
  committed(file: string, members: readonly string[]): void {
    this.maybeRotate();
    const fd = this.logFd;
    if (fd === undefined) throw new Error('the insert WAL is not open');
    fs.writeSync(fd, `${members.join('\n')}\n`);
    fs.fsyncSync(fd);
    for (const m of members) this.current.add(m);
    fs.rmSync(file, { force: true });
    if (this.current.size + this.previous.size > this.maxRemembered) {
      this.droppedEarly += this.previous.size;
      this.previous = new Set();
    }
  }

  /** Whether an agent batch is known to be stored. */
  isCommitted(member: string): boolean {
    if (this.current.has(member) || this.previous.has(member)) return true;
    return this.now() <= this.recoveredUntil && this.recovered.has(member);
  }

  close(): void {
    if (this.logFd !== undefined) fs.closeSync(this.logFd);
    this.logFd = undefined;
  }

  private maybeRotate(): void {
    if (this.logFd !== undefined && this.now() - this.generationStarted >= this.generationMs) this.rotate();
  }

  /**
   * Starts a new commit-log generation; the one before it stays (in memory and on disk) so a batch committed just
   * before the switch is still recognised. Older files go, except the ones loaded at start, until those expire.
   */
  private rotate(): void {
    if (this.logFd !== undefined) fs.closeSync(this.logFd);
    this.previous = this.current;
    this.current = new Set();
    this.generation++;
    const expired = this.now() > this.recoveredUntil;
    if (expired) {
      this.recovered = new Set();
      this.recoveredFiles.clear();
    }
    for (const name of fs.readdirSync(this.dir)) {
      const log = LOG_RE.exec(name);
      if (log && Number(log[1]) < this.generation - 1 && !this.recoveredFiles.has(name)) {
        fs.rmSync(path.join(this.dir, name), { force: true });
      }
    }
    this.logFd = fs.openSync(path.join(this.dir, `committed-${this.generation}.log`), 'a');
    this.generationStarted = this.now();
    this.syncDir();
  }

  private syncDir(): void {
    const fd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
