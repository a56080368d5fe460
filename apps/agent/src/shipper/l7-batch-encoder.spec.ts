import { decodeL7RequestBatch, encodeL7RequestBatch, type L7Request, L7RequestBatchType } from '@bathyscope/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { L7_ROW_FIELDS, L7BatchEncoder } from './l7-batch-encoder';

const ROW_TYPE = L7RequestBatchType.fields.rows!.resolvedType as typeof L7RequestBatchType;

/** A row with every field of the schema set from the generators, by the field's protobuf type. */
const arbRow: fc.Arbitrary<L7Request> = fc
  .tuple(
    ...ROW_TYPE.fieldsArray.map((f) => {
      const enumValues =
        f.resolvedType !== null && 'values' in f.resolvedType
          ? Object.values((f.resolvedType as { values: Record<string, number> }).values)
          : null;
      const arb: fc.Arbitrary<unknown> = enumValues
        ? fc.constantFrom(...enumValues)
        : f.type === 'string'
          ? fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 300 }))
          : f.type === 'bool'
            ? fc.boolean()
            : f.type === 'uint32'
              ? fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff }))
              : fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeNat());
      return arb.map((v) => [f.name, v] as const);
    }),
  )
  .map((entries) => Object.fromEntries(entries) as unknown as L7Request);

/** What the gateway's decoder makes of a batch, as plain values (absent proto3 fields read as defaults). */
function decoded(bytes: Uint8Array): { stream: string; seq: number; rows: Record<string, unknown>[] } {
  const b = decodeL7RequestBatch(bytes);
  return {
    stream: b.stream,
    seq: b.seq,
    rows: b.rows.map((r) =>
      Object.fromEntries(L7_ROW_FIELDS.map((k) => [k, (r as unknown as Record<string, unknown>)[k]])),
    ),
  };
}

describe('L7BatchEncoder', () => {
  it('covers every field of the schema', () => {
    expect([...L7_ROW_FIELDS].sort()).toEqual(ROW_TYPE.fieldsArray.map((f) => f.name).sort());
  });

  it('decodes to exactly what protobufjs encoding of the same rows decodes to', () => {
    fc.assert(
      fc.property(
        fc.array(arbRow, { maxLength: 30 }),
        fc.string({ maxLength: 20 }),
        fc.oneof(fc.constant(0), fc.maxSafeNat()),
        (rows, stream, seq) => {
          const enc = new L7BatchEncoder(64);
          for (const r of rows) enc.add(r);
          const ours = enc.finish(stream, seq);
          expect(decoded(ours)).toEqual(decoded(encodeL7RequestBatch({ stream, seq, rows })));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is reusable after reset and grows past its initial buffer', () => {
    const enc = new L7BatchEncoder(64);
    const big = { processName: 'x'.repeat(5000), path: 'é'.repeat(3000), pid: 7 } as unknown as L7Request;
    for (let i = 0; i < 50; i++) enc.add(big);
    const first = decoded(enc.finish('l7', 1));
    expect(first.rows).toHaveLength(50);
    expect(first.rows[49]?.path).toBe('é'.repeat(3000));
    enc.reset();
    enc.add({ pid: 1 } as unknown as L7Request);
    const second = decoded(enc.finish('l7', 2));
    expect(second.seq).toBe(2);
    expect(second.rows.map((r) => r.pid)).toEqual([1]);
  });

  it('writes negative enum values and oversized numbers without corrupting the batch', () => {
    const enc = new L7BatchEncoder();
    enc.add({ tapSide: -1, requestBytes: Number.POSITIVE_INFINITY, pid: 3 } as unknown as L7Request);
    enc.add({ pid: 4 } as unknown as L7Request);
    const out = decoded(enc.finish('l7', 9));
    expect(out.rows.map((r) => r.pid)).toEqual([3, 4]);
    expect(out.rows[0]?.tapSide).toBe(-1);
    expect(out.rows[0]?.requestBytes).toBeGreaterThan(2 ** 63);
  });

  it('omits defaults: a row of defaults is an empty message', () => {
    const enc = new L7BatchEncoder();
    enc.add({} as L7Request);
    expect([...enc.finish('', 0)]).toEqual([0x1a, 0x00]);
  });
});
