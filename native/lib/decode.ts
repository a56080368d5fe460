// SPDX-License-Identifier: Apache-2.0
/**
 * Decoder for the batches the addon hands to JavaScript. Layout (little endian), mirrored from
 * bpf/socket_trace.h and native/src/socket_tracer.h:
 *
 *   batch  := u32 magic 0x31425342 | u16 abi version | u16 record header size | u32 count | record*
 *   record := u32 length | socket_event header (112 bytes) | payload (data_len bytes)
 *
 * Payloads are zero-copy `subarray`s of the batch Buffer (holding one keeps the batch alive).
 */
import type { Direction, SocketEvent, SocketEventKind, SocketEventSource, SocketSyscall } from './types';

export const BATCH_MAGIC = 0x31425342;
export const BATCH_HEADER_SIZE = 12;
export const ABI_VERSION = 2;
export const EVENT_HEADER_SIZE = 112;
export const MAX_PAYLOAD = 16384;

/** Bits of `SocketEvent.flags`. */
export const SOCKET_EVENT_FLAGS = {
  /** The payload could not be copied from user memory; `data` is empty. */
  payloadFault: 0x1,
  /** More iovec segments than the program copies (16); the prefix stops there. */
  iovTruncated: 0x2,
  /** The remote address came from the syscall's sockaddr (unconnected datagram socket). */
  addrFromMsg: 0x4,
  /** `tcpSeq` is valid (the socket is TCP). */
  tcpSeq: 0x8,
} as const;

/** `struct socket_event.source`: where the bytes were observed. */
const SOURCES: readonly (SocketEventSource | undefined)[] = ['syscall', 'openssl'];

// Offsets inside struct socket_event.
const O_TS = 0;
const O_SOCK = 8;
const O_PID = 16;
const O_TID = 20;
const O_FD = 24;
const O_TOTAL = 28;
const O_DATA_LEN = 32;
const O_RET = 36;
const O_LPORT = 40;
const O_RPORT = 42;
const O_KIND = 44;
const O_DIR = 45;
const O_FAMILY = 46;
const O_SYSCALL = 47;
const O_LADDR = 48;
const O_RADDR = 64;
const O_COMM = 80;
const O_FLAGS = 96;
const O_SOURCE = 97;
const O_TCP_SEQ = 100;
const O_TRACE_ID = 104;

const KINDS: readonly (SocketEventKind | undefined)[] = [undefined, 'data', 'connect', 'accept', 'close'];
const SYSCALLS: readonly (SocketSyscall | undefined)[] = [
  undefined,
  'read',
  'write',
  'readv',
  'writev',
  'sendto',
  'recvfrom',
  'sendmsg',
  'recvmsg',
  'connect',
  'accept',
  'accept4',
  'close',
];
const EMPTY = Buffer.alloc(0);

export type SocketEventDecodeErrorCode =
  | 'not_a_buffer'
  | 'truncated'
  | 'bad_magic'
  | 'abi_mismatch'
  | 'bad_record'
  | 'trailing_bytes';

/** Thrown for any batch that is not exactly what the addon produces; never a partial result. */
export class SocketEventDecodeError extends Error {
  override readonly name = 'SocketEventDecodeError';
  constructor(
    readonly code: SocketEventDecodeErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

/** Decodes one batch into events. Throws `SocketEventDecodeError` on malformed input. */
export function decodeSocketEvents(buf: Buffer): SocketEvent[] {
  if (!Buffer.isBuffer(buf)) throw new SocketEventDecodeError('not_a_buffer', 'batch must be a Buffer', 0);
  const len = buf.length;
  if (len < BATCH_HEADER_SIZE) {
    throw new SocketEventDecodeError(
      'truncated',
      `batch of ${len} bytes is shorter than its ${BATCH_HEADER_SIZE}-byte header`,
      0,
    );
  }
  const magic = buf.readUInt32LE(0);
  if (magic !== BATCH_MAGIC) {
    throw new SocketEventDecodeError('bad_magic', `bad batch magic 0x${magic.toString(16)}`, 0);
  }
  const abi = buf.readUInt16LE(4);
  const headerSize = buf.readUInt16LE(6);
  if (abi !== ABI_VERSION || headerSize !== EVENT_HEADER_SIZE) {
    throw new SocketEventDecodeError(
      'abi_mismatch',
      `batch is ABI ${abi} with ${headerSize}-byte records, decoder expects ABI ${ABI_VERSION} with ${EVENT_HEADER_SIZE}: rebuild native/ (npm run build -w @bathyscope/native)`,
      4,
    );
  }
  const count = buf.readUInt32LE(8);
  if (count > (len - BATCH_HEADER_SIZE) / (4 + EVENT_HEADER_SIZE)) {
    throw new SocketEventDecodeError('truncated', `batch claims ${count} records but holds ${len} bytes`, 8);
  }

  // DataView reads are builtins the JIT inlines (getBigUint64 is ~3x cheaper than Buffer#readBigUInt64LE).
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  const events: SocketEvent[] = new Array(count);
  let off = BATCH_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    if (off + 4 > len) throw new SocketEventDecodeError('truncated', `record ${i} length prefix cut off`, off);
    const recLen = dv.getUint32(off, true);
    const r = off + 4;
    if (recLen < EVENT_HEADER_SIZE || recLen > EVENT_HEADER_SIZE + MAX_PAYLOAD) {
      throw new SocketEventDecodeError('bad_record', `record ${i} has impossible length ${recLen}`, off);
    }
    if (r + recLen > len) throw new SocketEventDecodeError('truncated', `record ${i} (${recLen} bytes) cut off`, off);
    const dataLen = dv.getUint32(r + O_DATA_LEN, true);
    if (EVENT_HEADER_SIZE + dataLen !== recLen) {
      throw new SocketEventDecodeError(
        'bad_record',
        `record ${i}: data_len ${dataLen} does not match length ${recLen}`,
        off,
      );
    }
    const kind = KINDS[buf[r + O_KIND]!];
    const family = buf[r + O_FAMILY]!;
    const dir = buf[r + O_DIR]!;
    const source = SOURCES[buf[r + O_SOURCE]!];
    if (kind === undefined || (family !== 0 && family !== 4 && family !== 6) || dir > 1 || source === undefined) {
      throw new SocketEventDecodeError('bad_record', `record ${i} has invalid kind/family/direction/source`, off);
    }
    // Trace ids are below 2^53 by construction (the loader's base); a larger one is not ours.
    const traceHi = dv.getUint32(r + O_TRACE_ID + 4, true);
    if (traceHi > 0x1fffff) throw new SocketEventDecodeError('bad_record', `record ${i} has a trace id >= 2^53`, off);
    const tid = dv.getUint32(r + O_TID, true);
    const ev: SocketEvent = {
      kind,
      tsNs: dv.getBigUint64(r + O_TS, true),
      pid: dv.getUint32(r + O_PID, true),
      tid,
      fd: dv.getInt32(r + O_FD, true),
      sockId: dv.getBigUint64(r + O_SOCK, true),
      comm: commOf(buf, dv, r + O_COMM, tid),
      direction: (dir === 0 ? 'egress' : 'ingress') as Direction,
      family: family as 0 | 4 | 6,
      localAddr: family === 4 ? ipv4Of(dv, r + O_LADDR) : formatAddr(buf, r + O_LADDR, family),
      localPort: dv.getUint16(r + O_LPORT, true),
      remoteAddr: family === 4 ? ipv4Of(dv, r + O_RADDR) : formatAddr(buf, r + O_RADDR, family),
      remotePort: dv.getUint16(r + O_RPORT, true),
      totalLen: dv.getUint32(r + O_TOTAL, true),
      data: dataLen === 0 ? EMPTY : buf.subarray(r + EVENT_HEADER_SIZE, r + recLen),
      syscall: SYSCALLS[buf[r + O_SYSCALL]!],
      ret: dv.getInt32(r + O_RET, true),
      flags: buf[r + O_FLAGS]!,
      source,
      tcpSeq: dv.getUint32(r + O_TCP_SEQ, true),
      traceId: traceHi * 0x100000000 + dv.getUint32(r + O_TRACE_ID, true),
    };
    events[i] = ev;
    off = r + recLen;
  }
  if (off !== len) {
    throw new SocketEventDecodeError('trailing_bytes', `${len - off} bytes after the last of ${count} records`, off);
  }
  return events;
}

/*
 * Every event carries its thread's comm and two addresses; turning those bytes into strings anew per event was a
 * tenth of the decoder's time and most of its garbage. The same few threads and peers repeat batch after batch,
 * so the strings are kept: comm per thread id (checked against the 16 raw bytes, since a thread can rename
 * itself), IPv4 text per address. Both caches are bounded by clearing them when full.
 */
const CACHE_LIMIT = 8192;

interface CommEntry {
  a: number;
  b: number;
  c: number;
  d: number;
  text: string;
}
const commByTid = new Map<number, CommEntry>();

function commOf(buf: Buffer, dv: DataView, at: number, tid: number): string {
  const a = dv.getUint32(at, true);
  const b = dv.getUint32(at + 4, true);
  const c = dv.getUint32(at + 8, true);
  const d = dv.getUint32(at + 12, true);
  const hit = commByTid.get(tid);
  if (hit !== undefined && hit.a === a && hit.b === b && hit.c === c && hit.d === d) return hit.text;
  let end = buf.indexOf(0, at);
  if (end < 0 || end > at + 16) end = at + 16;
  const text = buf.toString('utf8', at, end);
  if (hit !== undefined) {
    hit.a = a;
    hit.b = b;
    hit.c = c;
    hit.d = d;
    hit.text = text;
  } else {
    if (commByTid.size >= CACHE_LIMIT) commByTid.clear();
    commByTid.set(tid, { a, b, c, d, text });
  }
  return text;
}

const ipv4Text = new Map<number, string>();

function ipv4Of(dv: DataView, at: number): string {
  const v = dv.getUint32(at, false);
  let text = ipv4Text.get(v);
  if (text === undefined) {
    text = `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
    if (ipv4Text.size >= CACHE_LIMIT) ipv4Text.clear();
    ipv4Text.set(v, text);
  }
  return text;
}

/** Text form of a 4- or 16-byte address at `off` (RFC 5952 for IPv6, `::ffff:a.b.c.d` for mapped). */
export function formatAddr(buf: Buffer, off: number, family: number): string {
  if (family === 4) return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
  if (family !== 6) return '';
  const words: number[] = new Array(8);
  for (let i = 0; i < 8; i++) words[i] = buf.readUInt16BE(off + i * 2);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    return `::ffff:${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
  }
  // Longest run (>= 2) of zero groups becomes "::", first one wins ties (RFC 5952 section 4.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return words.map((w) => w.toString(16)).join(':');
  const head = words
    .slice(0, bestStart)
    .map((w) => w.toString(16))
    .join(':');
  const tail = words
    .slice(bestStart + bestLen)
    .map((w) => w.toString(16))
    .join(':');
  return `${head}::${tail}`;
}
