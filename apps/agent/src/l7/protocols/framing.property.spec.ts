import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FrameHandler, LengthFramer } from './length-framer';
import { RespReader } from './resp-reader';

/** Splits `buf` at the given fractions. */
function cutAt(buf: Buffer, fractions: readonly number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * buf.length)))]
    .filter((p) => p > 0 && p < buf.length)
    .sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out;
}

/** Messages `u32 length of the rest, then bytes`, as most binary protocols frame them. */
function framer(cap: number) {
  const seen: { total: number; headLen: number; first: number; startNs: bigint }[] = [];
  let desyncs = 0;
  const handler: FrameHandler = {
    frameLength: (buf, off, avail) => (avail < 4 ? 0 : buf.readUInt32BE(off) + 4),
    startsMessage: (buf) => buf.length >= 4 && buf.readUInt32BE(0) < 1 << 20,
    onMessage: (head, off, headLen, total, startNs) =>
      seen.push({ total, headLen, first: headLen > 4 ? (head[off + 4] as number) : -1, startNs }),
    onDesync: () => desyncs++,
  };
  return { f: new LengthFramer(handler, cap), seen, desyncs: () => desyncs };
}

const message = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3000 })).map(([first, len]) => {
  const b = Buffer.alloc(4 + 1 + len, 7);
  b.writeUInt32BE(1 + len, 0);
  b[4] = first;
  return b;
});

describe('LengthFramer', () => {
  it('delivers every message exactly once, whatever the syscall boundaries; heads up to the cap', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        fc.integer({ min: 16, max: 1024 }),
        (messages, fractions, cap) => {
          const { f, seen, desyncs } = framer(cap);
          const stream = Buffer.concat(messages);
          let ts = 0n;
          for (const chunk of cutAt(stream, fractions)) f.feed(chunk, ts++);
          expect(desyncs()).toBe(0);
          expect(seen.map((s) => s.total)).toEqual(messages.map((m) => m.length));
          expect(seen.map((s) => s.first)).toEqual(messages.map((m) => (Math.min(m.length, cap) > 4 ? m[4] : -1)));
          for (const s of seen) expect(s.headLen).toBe(Math.min(s.total, cap));
          expect(f.bufferedBytes).toBeLessThanOrEqual(cap);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('skips gaps inside bodies by length; a gap over a length prefix loses sync and is counted, never thrown', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 10 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), { maxLength: 20 }),
        (messages, cuts) => {
          const { f, seen, desyncs } = framer(64);
          const stream = Buffer.concat(messages);
          const chunks = cutAt(
            stream,
            cuts.map(([c]) => c),
          );
          let ts = 0n;
          chunks.forEach((chunk, i) => {
            // Some chunks are "not captured": only their length is known.
            if (cuts[i]?.[1]) f.gap(chunk.length, ts++);
            else f.feed(chunk, ts++);
          });
          expect(seen.length).toBeLessThanOrEqual(messages.length);
          if (desyncs() === 0) expect(seen.map((s) => s.total)).toEqual(messages.map((m) => m.length));
          expect(f.bufferedBytes).toBeLessThanOrEqual(64);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes and keeps at most the cap buffered', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }), (chunks) => {
        const { f } = framer(128);
        let ts = 0n;
        for (const c of chunks) f.feed(Buffer.from(c), ts++);
        expect(f.bufferedBytes).toBeLessThanOrEqual(128);
      }),
      { numRuns: 1000 },
    );
  });
});

type Resp = { t: 'simple' | 'error' | 'int' | 'bulk' | 'null'; v: string } | { t: 'array' | 'map' | 'push'; v: Resp[] };

const respValue: fc.Arbitrary<Resp> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ t: fc.constantFrom('simple' as const, 'error' as const), v: fc.stringMatching(/^[ -~]{0,40}$/) }),
    fc.record({ t: fc.constant('int' as const), v: fc.integer().map(String) }),
    fc.record({ t: fc.constant('bulk' as const), v: fc.string({ maxLength: 300 }) }),
    fc.record({ t: fc.constant('null' as const), v: fc.constant('') }),
    fc.record({
      t: fc.constantFrom('array' as const, 'push' as const),
      v: fc.array(tie('value') as fc.Arbitrary<Resp>, { maxLength: 4 }),
    }),
    fc.record({
      t: fc.constant('map' as const),
      v: fc.array(tie('value') as fc.Arbitrary<Resp>, { maxLength: 3 }).map((vs) => vs.flatMap((x) => [x, x])),
    }),
  ),
})).value as fc.Arbitrary<Resp>;

function encode(r: Resp): string {
  switch (r.t) {
    case 'simple':
      return `+${r.v}\r\n`;
    case 'error':
      return `-${r.v}\r\n`;
    case 'int':
      return `:${r.v}\r\n`;
    case 'bulk':
      return `$${Buffer.byteLength(r.v)}\r\n${r.v}\r\n`;
    case 'null':
      return '_\r\n';
    case 'array':
      return `*${r.v.length}\r\n${r.v.map(encode).join('')}`;
    case 'push':
      return `>${r.v.length}\r\n${r.v.map(encode).join('')}`;
    case 'map':
      return `%${r.v.length / 2}\r\n${r.v.map(encode).join('')}`;
  }
}

describe('RespReader', () => {
  it('reports each top-level RESP2/RESP3 value once with its exact size, whatever the splits', () => {
    fc.assert(
      fc.property(
        fc.array(respValue, { maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
        (values, fractions) => {
          const got: number[] = [];
          let desyncs = 0;
          const reader = new RespReader(
            { onValue: (_t, _s, _e, bytes) => got.push(bytes), onDesync: () => desyncs++ },
            true,
          );
          const wire = values.map((v) => Buffer.from(encode(v)));
          for (const chunk of cutAt(Buffer.concat(wire), fractions)) reader.feed(chunk, 0n);
          expect(desyncs).toBe(0);
          expect(got).toEqual(wire.map((w) => w.length));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes (resynchronises on a chunk that starts like RESP)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 30 }), (chunks) => {
        const reader = new RespReader({ onValue: () => {}, onDesync: () => {} }, true);
        for (const c of chunks) {
          reader.feed(Buffer.from(c), 0n);
          reader.gap(c.length % 7, 0n);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
