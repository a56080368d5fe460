import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireDecodeError } from './codec';
import { decodeProfileBatch, encodeProfileBatch, type ProfileBatch, ProfileEventType } from './profile-codec';

const batchArb: fc.Arbitrary<ProfileBatch> = fc.record({
  stream: fc.stringMatching(/^[a-z0-9_-]{1,32}$/),
  seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  startTimeUs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  durationMs: fc.nat(0xffffffff),
  eventType: fc.constant(ProfileEventType.Cpu),
  dropped: fc.nat(),
  stacks: fc.array(fc.record({ frames: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }) }), { maxLength: 5 }),
  samples: fc.array(
    fc.record({
      pid: fc.nat(0xffffffff),
      tid: fc.nat(0xffffffff),
      processName: fc.string({ maxLength: 16 }),
      stackIndex: fc.nat(10),
      value: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      containerId: fc.option(fc.stringMatching(/^[0-9a-f]{0,64}$/), { nil: undefined }),
      podUid: fc.option(fc.uuid(), { nil: undefined }),
      processStartTime: fc.option(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
    }),
    { maxLength: 5 },
  ),
});

describe('ProfileBatch codec', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const back = decodeProfileBatch(encodeProfileBatch(batch));
        expect(JSON.parse(JSON.stringify(back))).toEqual(
          JSON.parse(JSON.stringify(decodeProfileBatch(encodeProfileBatch(back)))),
        );
        expect(back.stream).toBe(batch.stream);
        expect(back.seq).toBe(batch.seq);
        expect(back.samples.map((s) => s.value)).toEqual(batch.samples.map((s) => s.value));
        // Identity fields an older agent leaves out decode as ''/0.
        expect(back.samples.map((s) => [s.containerId, s.podUid, s.processStartTime])).toEqual(
          batch.samples.map((s) => [s.containerId ?? '', s.podUid ?? '', s.processStartTime ?? 0]),
        );
        expect(back.stacks.map((s) => s.frames)).toEqual(batch.stacks.map((s) => s.frames));
      }),
    );
  });

  it('raises only WireDecodeError on garbage and on truncated batches', () => {
    const only = (bytes: Uint8Array) => {
      try {
        decodeProfileBatch(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(WireDecodeError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), only));
    fc.assert(
      fc.property(batchArb, fc.nat(), (batch, cut) => {
        const bytes = encodeProfileBatch(batch);
        only(bytes.subarray(0, bytes.length ? cut % bytes.length : 0));
      }),
    );
  });
});
