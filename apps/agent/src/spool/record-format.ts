import { crc32 } from 'node:zlib';

/**
 * On-disk format of one spool segment:
 *
 *   header   "BSPL" u8 version=1 u8[3] zero                                     (8 bytes)
 *   record*  u32 payloadLength  u32 crc32(payload)  payload                     (little endian)
 *   payload  f64 seq  f64 createdAtMs  u32 rows  u8 streamLength  stream  body
 *
 * `body` is the request exactly as it is sent (gzip of an encoded L7RequestBatch carrying the same stream and
 * seq), so a replay is byte for byte the first attempt and the gateway deduplicates it. The CRC covers the whole
 * payload: a record torn by a crash, or a tail of zeroes a filesystem left after power loss, fails it and
 * recovery keeps only the records before it.
 */
export const SEGMENT_MAGIC = Buffer.from('BSPL');
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 8;
const RECORD_HEADER_BYTES = 8;
const PAYLOAD_FIXED_BYTES = 8 + 8 + 4 + 1;
/** Far above any batch the shipper writes (2000 rows gzip to well under 1 MiB): a larger length is garbage. */
export const MAX_PAYLOAD_BYTES = 64 << 20;

export interface SpoolRecord {
  seq: number;
  createdAtMs: number;
  rows: number;
  stream: string;
  body: Buffer;
}

/** A record found in a segment: where it is, and what it holds. */
export interface ScannedRecord extends SpoolRecord {
  /** Offset of the record (its length prefix) in the segment file. */
  offset: number;
  /** Bytes of the whole record, prefix included. */
  length: number;
}

export function segmentHeader(): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(h, 0);
  h.writeUInt8(SEGMENT_VERSION, 4);
  return h;
}

export function encodeRecord(r: SpoolRecord): Buffer {
  const stream = Buffer.from(r.stream, 'utf8');
  if (stream.length > 255) throw new RangeError('stream name over 255 bytes');
  if (!Number.isSafeInteger(r.seq) || r.seq < 0) throw new RangeError(`bad seq ${r.seq}`);
  const payloadLength = PAYLOAD_FIXED_BYTES + stream.length + r.body.length;
  if (payloadLength > MAX_PAYLOAD_BYTES) throw new RangeError(`record of ${payloadLength} bytes is over the limit`);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payloadLength);
  out.writeUInt32LE(payloadLength, 0);
  let o = RECORD_HEADER_BYTES;
  o = out.writeDoubleLE(r.seq, o);
  o = out.writeDoubleLE(r.createdAtMs, o);
  o = out.writeUInt32LE(r.rows, o);
  o = out.writeUInt8(stream.length, o);
  o += stream.copy(out, o);
  r.body.copy(out, o);
  out.writeUInt32LE(crc32(out.subarray(RECORD_HEADER_BYTES)), 4);
  return out;
}

/** Decodes the record at `offset`, or null when what is there is not a whole, intact record. */
export function decodeRecordAt(buf: Buffer, offset: number): ScannedRecord | null {
  if (buf.length - offset < RECORD_HEADER_BYTES) return null;
  const payloadLength = buf.readUInt32LE(offset);
  if (payloadLength < PAYLOAD_FIXED_BYTES || payloadLength > MAX_PAYLOAD_BYTES) return null;
  const end = offset + RECORD_HEADER_BYTES + payloadLength;
  if (end > buf.length) return null;
  const payload = buf.subarray(offset + RECORD_HEADER_BYTES, end);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return null;
  const seq = payload.readDoubleLE(0);
  const createdAtMs = payload.readDoubleLE(8);
  const rows = payload.readUInt32LE(16);
  const streamLength = payload.readUInt8(20);
  if (PAYLOAD_FIXED_BYTES + streamLength > payloadLength || !Number.isSafeInteger(seq) || seq < 0) return null;
  const stream = payload.toString('utf8', PAYLOAD_FIXED_BYTES, PAYLOAD_FIXED_BYTES + streamLength);
  const body = Buffer.from(payload.subarray(PAYLOAD_FIXED_BYTES + streamLength));
  return { seq, createdAtMs, rows, stream, body, offset, length: end - offset };
}

export interface SegmentScan {
  /** Intact records from the start of the segment, in order, up to the first bad one. */
  records: ScannedRecord[];
  /** Length of the intact prefix (header included); the file is truncated to it. 0 = not a segment at all. */
  validBytes: number;
}

/**
 * Reads a segment up to its first torn or corrupt record. Seqs must increase within a segment: a record that
 * does not is treated as corruption too, so recovery can only ever yield a prefix of what was appended.
 */
export function scanSegment(buf: Buffer): SegmentScan {
  if (
    buf.length < SEGMENT_HEADER_BYTES ||
    !buf.subarray(0, 4).equals(SEGMENT_MAGIC) ||
    buf.readUInt8(4) !== SEGMENT_VERSION
  ) {
    return { records: [], validBytes: 0 };
  }
  const records: ScannedRecord[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  let lastSeq = -1;
  for (;;) {
    const r = decodeRecordAt(buf, offset);
    if (!r || r.seq <= lastSeq) break;
    records.push(r);
    lastSeq = r.seq;
    offset += r.length;
  }
  return { records, validBytes: offset };
}
