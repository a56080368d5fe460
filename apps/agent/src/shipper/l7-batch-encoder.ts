import { type L7Request, L7RequestBatchType } from '@bathyscope/wire';

/**
 * Protobuf encoder of `L7RequestBatch` that appends each row's bytes to one growing buffer as the row is queued.
 *
 * Why not protobufjs' `encode(fromObject(batch))`: per row it copies the object (fromObject) and then queues one
 * writer operation object per field before writing any byte, so a 2000-row batch made ~100k short-lived objects.
 * Replaying recorded nginx traffic through the agent's pipeline, garbage collection was a third of its CPU and
 * protobufjs a fifth. Here a row is written straight into bytes and dies young; the open batch is one Buffer.
 *
 * The field plan is read from the same reflected schema the gateway decodes with (`L7RequestBatchType`), so a
 * field added to `telemetry.proto` is encoded without touching this file, and a field of a type this encoder
 * does not know makes loading this module throw rather than silently drop it. Proto3 defaults (0, '', false) are
 * omitted, as the spec allows; the decoder reads them back as defaults.
 */

type Kind = 'u64' | 'u32' | 'enum' | 'bool' | 'string';

interface FieldPlan {
  name: string;
  kind: Kind;
  /** The field's key: id << 3 | wire type. */
  key: number;
}

const KINDS: Record<string, Kind> = { uint64: 'u64', uint32: 'u32', bool: 'bool', string: 'string' };

function planOf(type: typeof L7RequestBatchType): FieldPlan[] {
  return [...type.fieldsArray]
    .sort((a, b) => a.id - b.id)
    .map((f) => {
      f.resolve();
      if (f.repeated || f.map) throw new Error(`L7 batch encoder: ${type.name}.${f.name} is repeated/map`);
      const kind: Kind | undefined = f.resolvedType !== null && 'values' in f.resolvedType ? 'enum' : KINDS[f.type];
      if (kind === undefined)
        throw new Error(`L7 batch encoder: ${type.name}.${f.name} has unsupported type ${f.type}`);
      return { name: f.name, kind, key: (f.id << 3) | (kind === 'string' ? 2 : 0) };
    });
}

const ROW_TYPE = (() => {
  const rows = L7RequestBatchType.fields.rows;
  rows?.resolve();
  if (!rows?.repeated || rows.resolvedType === null || !('fieldsArray' in rows.resolvedType)) {
    throw new Error('L7 batch encoder: L7RequestBatch.rows is not a repeated message');
  }
  return rows.resolvedType as typeof L7RequestBatchType;
})();
const ROW_PLAN = planOf(ROW_TYPE);
const ROWS_KEY = (L7RequestBatchType.fields.rows!.id << 3) | 2;
const STREAM_KEY = (L7RequestBatchType.fields.stream!.id << 3) | 2;
const SEQ_KEY = L7RequestBatchType.fields.seq!.id << 3;
/** Room kept in front of the rows for the batch header (stream + seq), written when the batch is sealed. */
const HEADER_ROOM = 64;
const MAX_STREAM = HEADER_ROOM - 2 - 1 - 10 - 1;
/** The largest double below 2^64. */
const MAX_U64_DOUBLE = 2 ** 64 - 2048;

/** The row fields this encoder writes, in field-number order: every field of the schema in force. */
export const L7_ROW_FIELDS: readonly string[] = ROW_PLAN.map((f) => f.name);

/** What a compiled row writer calls; the methods of `L7BatchEncoder` that write one field each. */
interface FieldWriter {
  fStr(key: number, v: string): void;
  fU64(key: number, v: number): void;
  fU32(key: number, v: number): void;
  fI32(key: number, v: number): void;
  fBool(key: number): void;
}

/**
 * One straight-line function per schema, like protobufjs' own generated code: a loop over the plan with
 * `row[name]` lookups and a switch cost about as much as everything else the agent does per row.
 */
function compileRowWriter(plan: readonly FieldPlan[]): (w: FieldWriter, row: unknown) => void {
  const lines = ['let v;'];
  for (const f of plan) {
    lines.push(`v = r[${JSON.stringify(f.name)}];`);
    switch (f.kind) {
      case 'string':
        lines.push(`if (typeof v === 'string' && v.length > 0) w.fStr(${f.key}, v);`);
        break;
      case 'u64':
        // NaN and values <= 0 are the default (0) and omitted.
        lines.push(`if (typeof v === 'number' && v > 0) w.fU64(${f.key}, v);`);
        break;
      case 'u32':
        lines.push(`if (typeof v === 'number' && (v >>> 0) !== 0) w.fU32(${f.key}, v >>> 0);`);
        break;
      case 'enum':
        lines.push(`if (typeof v === 'number' && (v | 0) !== 0) w.fI32(${f.key}, v | 0);`);
        break;
      case 'bool':
        lines.push(`if (v === true) w.fBool(${f.key});`);
        break;
    }
  }
  return new Function('w', 'r', lines.join('\n')) as (w: FieldWriter, row: unknown) => void;
}

const writeRow = compileRowWriter(ROW_PLAN);

export class L7BatchEncoder {
  private buf: Buffer;
  /** Next free byte; rows start at HEADER_ROOM. */
  private pos = HEADER_ROOM;
  private scratch: Buffer = Buffer.allocUnsafe(4096);
  private spos = 0;
  rows = 0;

  constructor(initialBytes = 256 << 10) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, HEADER_ROOM + 1024));
  }

  get byteLength(): number {
    return this.pos - HEADER_ROOM;
  }

  /** Appends one row. Values are taken as the `L7Request` type says; see `fU64` for out-of-range numbers. */
  add(row: L7Request): void {
    this.spos = 0;
    writeRow(this, row);
    const len = this.spos;
    this.reserve(5 + 5 + len);
    const b = this.buf;
    let p = putVarint32(b, this.pos, ROWS_KEY);
    p = putVarint32(b, p, len);
    this.scratch.copy(b, p, 0, len);
    this.pos = p + len;
    this.rows++;
  }

  /**
   * The encoded `L7RequestBatch` { stream, seq, rows }: a view of this encoder's buffer, valid until the next
   * `add`/`reset`. Call `reset` to start the next batch.
   */
  finish(stream: string, seq: number): Buffer {
    if (stream.length > MAX_STREAM) throw new RangeError(`stream name longer than ${MAX_STREAM}`);
    const head = Buffer.allocUnsafe(HEADER_ROOM);
    let p = 0;
    if (stream.length > 0) {
      p = putVarint32(head, p, STREAM_KEY);
      const n = Buffer.byteLength(stream);
      if (n > MAX_STREAM) throw new RangeError(`stream name longer than ${MAX_STREAM} bytes`);
      head[p++] = n;
      p += head.write(stream, p, 'utf8');
    }
    if (seq > 0) {
      p = putVarint32(head, p, SEQ_KEY);
      p = putVarint64(head, p, seq);
    }
    const start = HEADER_ROOM - p;
    head.copy(this.buf, start, 0, p);
    return this.buf.subarray(start, this.pos);
  }

  /** Empties the batch; shrinks a buffer that a burst grew far beyond `keepBytes`. */
  reset(keepBytes = 1 << 20): void {
    this.pos = HEADER_ROOM;
    this.rows = 0;
    if (this.buf.length > 4 * keepBytes) this.buf = Buffer.allocUnsafe(keepBytes);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private sreserve(n: number): void {
    if (this.spos + n <= this.scratch.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.spos + n));
    this.scratch.copy(next, 0, 0, this.spos);
    this.scratch = next;
  }

  /** @internal (compiled row writer) */
  fBool(key: number): void {
    this.sreserve(6);
    const p = putVarint32(this.scratch, this.spos, key);
    this.scratch[p] = 1;
    this.spos = p + 1;
  }

  /** @internal */
  fU32(key: number, v: number): void {
    this.sreserve(10);
    this.spos = putVarint32(this.scratch, putVarint32(this.scratch, this.spos, key), v);
  }

  /** @internal Negative enum values are sign-extended to ten bytes, as protobuf's int32 requires. */
  fI32(key: number, v: number): void {
    this.sreserve(15);
    const p = putVarint32(this.scratch, this.spos, key);
    this.spos = v >= 0 ? putVarint32(this.scratch, p, v) : putVarint64Bits(this.scratch, p, v >>> 0, 0xffffffff);
  }

  /**
   * @internal uint64 from a JS number: exact up to 2^53 (the wire contract keeps values below it); fractions are
   * truncated, values beyond 2^64 saturate.
   */
  fU64(key: number, v: number): void {
    this.sreserve(15);
    this.spos = putVarint64(this.scratch, putVarint32(this.scratch, this.spos, key), v);
  }

  /** @internal */
  fStr(key: number, v: string): void {
    const n = v.length;
    // ASCII (the usual case: addresses, methods, paths, names) is written byte by byte with its length known;
    // anything else goes through Buffer's UTF-8 encoder.
    if (n < 0x80) {
      this.sreserve(6 + n);
      const s = this.scratch;
      const start = putVarint32(s, this.spos, key);
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        s[p++] = c;
      }
      if (i === n) {
        s[start] = n;
        this.spos = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(v, 'utf8');
    this.sreserve(10 + bytes);
    const s = this.scratch;
    const p = putVarint32(s, putVarint32(s, this.spos, key), bytes);
    this.spos = p + s.write(v, p, bytes, 'utf8');
  }
}

/** Writes `v` (a uint32) as a varint at `p`; returns the next position. */
function putVarint32(b: Buffer, p: number, v: number): number {
  while (v > 0x7f) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  return p;
}

function putVarint64(b: Buffer, p: number, v: number): number {
  if (v <= 0xffffffff) return putVarint32(b, p, Math.trunc(v) >>> 0);
  const x = v < MAX_U64_DOUBLE ? Math.trunc(v) : MAX_U64_DOUBLE;
  const lo = x % 4294967296;
  return putVarint64Bits(b, p, lo, (x - lo) / 4294967296);
}

/** A 64-bit varint from its low and high 32 bits (as protobufjs' writer does). */
function putVarint64Bits(b: Buffer, p: number, lo: number, hi: number): number {
  while (hi !== 0) {
    b[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  return putVarint32(b, p, lo);
}
