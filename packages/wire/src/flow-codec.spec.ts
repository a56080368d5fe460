import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireDecodeError } from './codec';
import { decodeFlowBatch, encodeFlowBatch, type FlowBatch, type FlowRow, type PairSecond } from './flow-codec';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const ip = fc.oneof(fc.ipV4(), fc.ipV6());

const row: fc.Arbitrary<FlowRow> = fc.record({
  startTimeUs: u64,
  endTimeUs: u64,
  flowId: u64,
  tapSide: fc.integer({ min: 0, max: 2 }),
  protocol: fc.constantFrom(0, 6, 17),
  closeType: fc.integer({ min: 0, max: 4 }),
  pid: u32,
  processName: fc.string({ maxLength: 64 }),
  clientIp: ip,
  clientPort: fc.integer({ min: 0, max: 65535 }),
  serverIp: ip,
  serverPort: fc.integer({ min: 0, max: 65535 }),
  bytesTx: u64,
  bytesRx: u64,
  packetsTx: u64,
  packetsRx: u64,
  retransTx: u32,
  retransRx: u32,
  zeroWinTx: u32,
  zeroWinRx: u32,
  rttUs: u32,
  connSetupUs: u32,
  newFlow: fc.boolean(),
  containerId: fc.stringMatching(/^[0-9a-f]{0,64}$/),
  podUid: fc.uuid(),
  processStartTime: u64,
});

const pair: fc.Arbitrary<PairSecond> = fc.record({
  timeS: u64,
  tapSide: fc.integer({ min: 0, max: 2 }),
  protocol: fc.constantFrom(0, 6, 17),
  pid: u32,
  processName: fc.string({ maxLength: 64 }),
  clientIp: ip,
  serverIp: ip,
  serverPort: fc.integer({ min: 0, max: 65535 }),
  newFlows: u32,
  closedFlows: u32,
  resets: u32,
  connectFailures: u32,
  timeouts: u32,
  activeFlows: u32,
  bytesTx: u64,
  bytesRx: u64,
  packetsTx: u64,
  packetsRx: u64,
  retransTx: u32,
  retransRx: u32,
  zeroWinTx: u32,
  zeroWinRx: u32,
  rttSumUs: u64,
  rttCount: u32,
  rttMaxUs: u32,
  connSetupSumUs: u64,
  connSetupCount: u32,
  connSetupMaxUs: u32,
  containerId: fc.stringMatching(/^[0-9a-f]{0,64}$/),
  podUid: fc.uuid(),
  processStartTime: u64,
});

const batch: fc.Arbitrary<FlowBatch> = fc.record({
  stream: fc.stringMatching(/^[a-z0-9_-]{0,32}$/),
  seq: u64,
  rows: fc.array(row, { maxLength: 20 }),
  pairs: fc.array(pair, { maxLength: 10 }),
});

/** protobufjs keeps absent proto3 fields on the prototype: compare what a reader sees, field by field. */
function flat<T>(r: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(r as object).concat(Object.keys(Object.getPrototypeOf(r) ?? {}))) {
    out[k] = (r as unknown as Record<string, unknown>)[k];
  }
  return out as T;
}

function plain(b: FlowBatch): FlowBatch {
  return { stream: b.stream, seq: b.seq, rows: b.rows.map(flat), pairs: (b.pairs ?? []).map(flat) };
}

describe('flow codec', () => {
  it('round-trips every batch exactly', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const decoded = plain(decodeFlowBatch(encodeFlowBatch(b)));
        expect(decoded.stream).toBe(b.stream);
        expect(decoded.seq).toBe(b.seq);
        expect(decoded.rows).toHaveLength(b.rows.length);
        decoded.rows.forEach((r, i) => {
          expect(r).toMatchObject(b.rows[i] as FlowRow);
        });
        expect(decoded.pairs).toHaveLength(b.pairs?.length ?? 0);
        decoded.pairs?.forEach((p, i) => {
          expect(p).toMatchObject(b.pairs?.[i] as PairSecond);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('random or truncated bytes either decode or raise WireDecodeError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          batch.map((b) => encodeFlowBatch(b)),
        ),
        fc.nat(),
        (bytes, cut) => {
          const input = bytes.length > 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
          try {
            const b = decodeFlowBatch(input);
            expect(Array.isArray(b.rows)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(WireDecodeError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a field of the wrong wire type is refused', () => {
    // Field 3 (rows) as a varint instead of a length-delimited message.
    expect(() => decodeFlowBatch(Uint8Array.from([0x18, 0x01]))).toThrow(WireDecodeError);
  });
});
