import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeL7RequestBatch,
  encodeL7RequestBatch,
  type L7Request,
  L7RequestBatchType,
  parseAgentToken,
  formatAgentToken,
  WireDecodeError,
} from './index';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const str = fc.string({ maxLength: 64 });
const arbRow: fc.Arbitrary<L7Request> = fc.record({
  startTimeUs: u53,
  endTimeUs: u53,
  pid: u32,
  tid: u32,
  processName: str,
  tapSide: fc.integer({ min: 0, max: 2 }),
  clientIp: str,
  clientPort: fc.integer({ min: 0, max: 65535 }),
  serverIp: str,
  serverPort: fc.integer({ min: 0, max: 65535 }),
  protocol: fc.integer({ min: 0, max: 1 }),
  version: str,
  method: str,
  path: fc.string({ maxLength: 300 }),
  host: str,
  statusCode: fc.integer({ min: 0, max: 999 }),
  responseStatus: fc.integer({ min: 0, max: 4 }),
  requestBytes: u53,
  responseBytes: u53,
  xRequestId: str,
  traceparent: str,
  userAgent: str,
});

describe('L7RequestBatch codec', () => {
  it('round-trips any batch exactly, 64-bit fields as plain numbers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 32 }), u53, fc.array(arbRow, { maxLength: 20 }), (stream, seq, rows) => {
        const decoded = decodeL7RequestBatch(encodeL7RequestBatch({ stream, seq, rows }));
        expect(decoded.stream).toBe(stream);
        expect(decoded.seq).toBe(seq);
        expect(decoded.rows).toHaveLength(rows.length);
        decoded.rows.forEach((r, i) => {
          expect(
            L7RequestBatchType.lookupType('bathyscope.v1.L7Request').toObject(r as never, { defaults: true }),
          ).toEqual(rows[i]);
          expect(typeof r.startTimeUs).toBe('number');
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never crashes on arbitrary bytes: decodes or throws WireDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeL7RequestBatch(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(WireDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never crashes on truncations or bit flips of a valid batch', () => {
    const valid = encodeL7RequestBatch({ stream: 'l7', seq: 3, rows: [{ path: '/x', method: 'GET' } as L7Request] });
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length * 8), (cut, bit) => {
        const mutated = Uint8Array.from(valid.subarray(0, cut));
        if (mutated.length > 0) mutated[(bit >> 3) % mutated.length]! ^= 1 << (bit & 7);
        try {
          decodeL7RequestBatch(mutated);
        } catch (err) {
          expect(err).toBeInstanceOf(WireDecodeError);
        }
      }),
    );
  });
});

describe('agent token', () => {
  it('parses what it formats', () => {
    expect(parseAgentToken(formatAgentToken(42, 'A'.repeat(43)))).toEqual({ agentId: 42, secret: 'A'.repeat(43) });
  });

  it('rejects anything malformed without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const parsed = parseAgentToken(s);
        if (parsed) expect(formatAgentToken(parsed.agentId, parsed.secret)).toBe(s);
      }),
    );
    for (const bad of [
      '',
      'bsa_',
      'bsa_0_aaaaaaaaaaaaaaaaaaaa',
      'bsa_1_short',
      `bsa_99999999999_${'a'.repeat(20)}`,
      `bsa_1_${'a'.repeat(20)}'--`,
    ]) {
      expect(parseAgentToken(bad)).toBeNull();
    }
  });
});
