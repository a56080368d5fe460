// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ABI_VERSION,
  BATCH_HEADER_SIZE,
  BATCH_MAGIC,
  EVENT_HEADER_SIZE,
  SocketEventDecodeError,
  decodeSocketEvents,
  formatAddr,
} from './decode';

/** What the BPF program writes, field by field (see bpf/socket_trace.h). */
interface RawRecord {
  tsNs: bigint;
  sockId: bigint;
  pid: number;
  tid: number;
  fd: number;
  totalLen: number;
  ret: number;
  localPort: number;
  remotePort: number;
  kind: number;
  direction: number;
  family: 0 | 4 | 6;
  syscall: number;
  localAddr: Uint8Array;
  remoteAddr: Uint8Array;
  comm: string;
  flags: number;
  source: number;
  tcpSeq: number;
  traceId: bigint;
  data: Uint8Array;
}

function encodeRecord(r: RawRecord): Buffer {
  const b = Buffer.alloc(EVENT_HEADER_SIZE + r.data.length);
  b.writeBigUInt64LE(r.tsNs, 0);
  b.writeBigUInt64LE(r.sockId, 8);
  b.writeUInt32LE(r.pid, 16);
  b.writeUInt32LE(r.tid, 20);
  b.writeInt32LE(r.fd, 24);
  b.writeUInt32LE(r.totalLen, 28);
  b.writeUInt32LE(r.data.length, 32);
  b.writeInt32LE(r.ret, 36);
  b.writeUInt16LE(r.localPort, 40);
  b.writeUInt16LE(r.remotePort, 42);
  b[44] = r.kind;
  b[45] = r.direction;
  b[46] = r.family;
  b[47] = r.syscall;
  b.set(r.localAddr, 48);
  b.set(r.remoteAddr, 64);
  b.write(r.comm, 80, 16, 'latin1');
  b[96] = r.flags;
  b[97] = r.source;
  b.writeUInt32LE(r.tcpSeq, 100);
  b.writeBigUInt64LE(r.traceId, 104);
  b.set(r.data, EVENT_HEADER_SIZE);
  return b;
}

function encodeBatch(records: RawRecord[]): Buffer {
  const head = Buffer.alloc(BATCH_HEADER_SIZE);
  head.writeUInt32LE(BATCH_MAGIC, 0);
  head.writeUInt16LE(ABI_VERSION, 4);
  head.writeUInt16LE(EVENT_HEADER_SIZE, 6);
  head.writeUInt32LE(records.length, 8);
  const parts: Buffer[] = [head];
  for (const r of records) {
    const rec = encodeRecord(r);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(rec.length, 0);
    parts.push(len, rec);
  }
  return Buffer.concat(parts);
}

const arbRecord: fc.Arbitrary<RawRecord> = fc.record({
  tsNs: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  sockId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  pid: fc.nat({ max: 0xffffffff }),
  tid: fc.nat({ max: 0xffffffff }),
  fd: fc.integer({ min: -1, max: 0x7fffffff }),
  totalLen: fc.nat({ max: 0xffffffff }),
  ret: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  localPort: fc.nat({ max: 0xffff }),
  remotePort: fc.nat({ max: 0xffff }),
  kind: fc.integer({ min: 1, max: 4 }),
  direction: fc.integer({ min: 0, max: 1 }),
  family: fc.constantFrom(0 as const, 4 as const, 6 as const),
  syscall: fc.integer({ min: 1, max: 12 }),
  localAddr: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  remoteAddr: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  comm: fc.stringMatching(/^[a-z0-9_.-]{0,16}$/),
  flags: fc.nat({ max: 15 }),
  source: fc.integer({ min: 0, max: 1 }),
  tcpSeq: fc.nat({ max: 0xffffffff }),
  traceId: fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }),
  data: fc.uint8Array({ maxLength: 300 }),
});

/** Decoding must either succeed or throw SocketEventDecodeError; anything else is a bug. */
function decodeOrDecodeError(buf: Buffer): ReturnType<typeof decodeSocketEvents> | SocketEventDecodeError {
  try {
    return decodeSocketEvents(buf);
  } catch (err) {
    if (err instanceof SocketEventDecodeError) return err;
    throw err;
  }
}

const sample: RawRecord = {
  tsNs: 723513688007n,
  sockId: 0xffff8881_0a2b3c40n,
  pid: 15856,
  tid: 15856,
  fd: 20,
  totalLen: 65,
  ret: 65,
  localPort: 39896,
  remotePort: 42353,
  kind: 1,
  direction: 0,
  family: 4,
  syscall: 2,
  localAddr: Uint8Array.from([127, 0, 0, 1, ...new Array(12).fill(0)]),
  remoteAddr: Uint8Array.from([127, 0, 0, 1, ...new Array(12).fill(0)]),
  comm: 'node',
  flags: 0x8,
  source: 0,
  tcpSeq: 0xfffffff0,
  traceId: 7_434_523_011_072_001n,
  data: Buffer.from('GET /req-0 HTTP/1.1\r\nHost: 127.0.0.1:42353\r\nConnection: close\r\n\r\n'),
};

describe('decodeSocketEvents', () => {
  it('decodes a record into a typed event with a zero-copy payload', () => {
    const batch = encodeBatch([
      sample,
      { ...sample, kind: 2, data: new Uint8Array(0), totalLen: 0, ret: -115, syscall: 9 },
    ]);
    const [data, connect] = decodeSocketEvents(batch);
    expect(data).toEqual({
      kind: 'data',
      tsNs: 723513688007n,
      pid: 15856,
      tid: 15856,
      fd: 20,
      sockId: 0xffff88810a2b3c40n,
      comm: 'node',
      direction: 'egress',
      family: 4,
      localAddr: '127.0.0.1',
      localPort: 39896,
      remoteAddr: '127.0.0.1',
      remotePort: 42353,
      totalLen: 65,
      data: Buffer.from(sample.data),
      syscall: 'write',
      ret: 65,
      flags: 0x8,
      source: 'syscall',
      tcpSeq: 0xfffffff0,
      traceId: 7_434_523_011_072_001,
    });
    expect(data!.data.buffer).toBe(batch.buffer); // a view into the batch, not a copy
    expect(connect).toMatchObject({ kind: 'connect', syscall: 'connect', ret: -115, data: Buffer.alloc(0) });
  });

  it('decodes an empty batch', () => {
    expect(decodeSocketEvents(encodeBatch([]))).toEqual([]);
  });

  it('round-trips arbitrary records', () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { maxLength: 20 }), (records) => {
        const events = decodeSocketEvents(encodeBatch(records));
        expect(events).toHaveLength(records.length);
        records.forEach((r, i) => {
          const e = events[i]!;
          expect(e.tsNs).toBe(r.tsNs);
          expect(e.sockId).toBe(r.sockId);
          expect([e.pid, e.tid, e.fd, e.totalLen, e.ret, e.flags]).toEqual([
            r.pid,
            r.tid,
            r.fd,
            r.totalLen,
            r.ret,
            r.flags,
          ]);
          expect([e.localPort, e.remotePort, e.family]).toEqual([r.localPort, r.remotePort, r.family]);
          expect(e.kind).toBe(['data', 'connect', 'accept', 'close'][r.kind - 1]);
          expect(e.direction).toBe(r.direction === 0 ? 'egress' : 'ingress');
          expect(e.comm).toBe(r.comm);
          expect([e.source, e.tcpSeq, e.traceId]).toEqual([
            r.source === 0 ? 'syscall' : 'openssl',
            r.tcpSeq,
            Number(r.traceId),
          ]);
          expect(Buffer.compare(e.data, Buffer.from(r.data))).toBe(0);
          if (r.family === 0) expect([e.localAddr, e.remoteAddr]).toEqual(['', '']);
          // The decoder keeps address strings; they must be what the plain formatter makes of the bytes.
          expect([e.localAddr, e.remoteAddr]).toEqual([
            formatAddr(Buffer.from(r.localAddr), 0, r.family),
            formatAddr(Buffer.from(r.remoteAddr), 0, r.family),
          ]);
        });
      }),
    );
  });

  it('follows a thread that renames itself, within a batch and across batches', () => {
    const renamed = (comm: string) => ({ ...sample, comm });
    const first = decodeSocketEvents(encodeBatch([renamed('worker'), renamed('worker-1'), renamed('worker')]));
    expect(first.map((e) => e.comm)).toEqual(['worker', 'worker-1', 'worker']);
    const second = decodeSocketEvents(encodeBatch([renamed('w'), renamed('0123456789abcdef')]));
    expect(second.map((e) => e.comm)).toEqual(['w', '0123456789abcdef']);
  });

  it('throws a SocketEventDecodeError for every truncation of a valid batch', () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 5 }), fc.nat(), (records, cut) => {
        const full = encodeBatch(records);
        const prefix = full.subarray(0, cut % full.length);
        expect(() => decodeSocketEvents(prefix)).toThrow(SocketEventDecodeError);
      }),
    );
  });

  it('never throws anything but SocketEventDecodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        decodeOrDecodeError(Buffer.from(bytes));
      }),
    );
    // Random bodies behind a valid header reach the record parser.
    fc.assert(
      fc.property(fc.nat({ max: 50 }), fc.uint8Array({ maxLength: 3000 }), (count, body) => {
        const head = encodeBatch([]);
        head.writeUInt32LE(count, 8);
        const result = decodeOrDecodeError(Buffer.concat([head, body]));
        if (!(result instanceof SocketEventDecodeError)) expect(result).toHaveLength(count);
      }),
    );
  });

  it('survives single-byte corruption of a valid batch', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat({ max: 255 }),
        (records, at, value) => {
          const batch = encodeBatch(records);
          batch[at % batch.length] = value;
          const result = decodeOrDecodeError(batch);
          if (!(result instanceof SocketEventDecodeError)) expect(result).toHaveLength(batch.readUInt32LE(8));
        },
      ),
    );
  });

  it('names what is wrong', () => {
    const good = encodeBatch([sample]);
    const withMagic = Buffer.from(good);
    withMagic.writeUInt32LE(0xdeadbeef, 0);
    expect(() => decodeSocketEvents(withMagic)).toThrow(expect.objectContaining({ code: 'bad_magic' }));
    const withAbi = Buffer.from(good);
    withAbi.writeUInt16LE(99, 4);
    expect(() => decodeSocketEvents(withAbi)).toThrow(/rebuild native/);
    expect(() => decodeSocketEvents(good.subarray(0, good.length - 1))).toThrow(
      expect.objectContaining({ code: 'truncated' }),
    );
    expect(() => decodeSocketEvents(Buffer.concat([good, Buffer.alloc(3)]))).toThrow(
      expect.objectContaining({ code: 'trailing_bytes' }),
    );
    const badLen = Buffer.from(good);
    badLen.writeUInt32LE(5, BATCH_HEADER_SIZE + 4 + 32); // data_len disagrees with the record length
    expect(() => decodeSocketEvents(badLen)).toThrow(expect.objectContaining({ code: 'bad_record' }));
    const badSource = Buffer.from(good);
    badSource[BATCH_HEADER_SIZE + 4 + 97] = 2; // no such source
    expect(() => decodeSocketEvents(badSource)).toThrow(expect.objectContaining({ code: 'bad_record' }));
    const hugeTraceId = Buffer.from(good);
    hugeTraceId.writeBigUInt64LE(1n << 53n, BATCH_HEADER_SIZE + 4 + 104); // not representable as a number
    expect(() => decodeSocketEvents(hugeTraceId)).toThrow(expect.objectContaining({ code: 'bad_record' }));
    expect(() => decodeSocketEvents('nope' as unknown as Buffer)).toThrow(
      expect.objectContaining({ code: 'not_a_buffer' }),
    );
  });
});

describe('formatAddr', () => {
  const v6 = (text: string) => {
    const b = Buffer.alloc(16);
    const [head = '', tail = ''] = text.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const words = text.includes('::') ? [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t] : h;
    for (const [i, w] of words.entries()) b.writeUInt16BE(Number.parseInt(w, 16), i * 2);
    return b;
  };

  it('formats IPv4 and IPv6 like Node reports them', () => {
    expect(formatAddr(Buffer.from([10, 1, 2, 254]), 0, 4)).toBe('10.1.2.254');
    expect(formatAddr(Buffer.alloc(16), 0, 6)).toBe('::');
    expect(formatAddr(v6('::1'), 0, 6)).toBe('::1');
    expect(formatAddr(v6('2001:db8::1'), 0, 6)).toBe('2001:db8::1');
    expect(formatAddr(v6('2001:db8:0:1:1:1:1:1'), 0, 6)).toBe('2001:db8:0:1:1:1:1:1'); // a lone 0 stays
    expect(formatAddr(v6('2001:0:0:1:0:0:0:1'), 0, 6)).toBe('2001:0:0:1::1'); // longest run wins
    expect(formatAddr(v6('2001:db8:0:0:1:0:0:1'), 0, 6)).toBe('2001:db8::1:0:0:1'); // first on ties
    const mapped = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    expect(formatAddr(mapped, 0, 6)).toBe('::ffff:127.0.0.1');
    expect(formatAddr(Buffer.alloc(16), 0, 0)).toBe('');
  });

  it('matches the WHATWG URL serializer for any non-mapped IPv6 address', () => {
    fc.assert(
      // Zero-heavy words so that runs of zero groups (the interesting case) are common.
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 0xffff })), { minLength: 8, maxLength: 8 }),
        (words) => {
          const b = Buffer.alloc(16);
          for (const [i, w] of words.entries()) b.writeUInt16BE(w, i * 2);
          if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return;
          const text = formatAddr(b, 0, 6);
          expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
        },
      ),
    );
  });
});
