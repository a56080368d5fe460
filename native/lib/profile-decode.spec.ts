// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeProfileDrain,
  PROFILE_HEADER_SIZE,
  PROFILE_MAGIC,
  PROFILE_MAX_DEPTH,
  PROFILE_SAMPLE_SIZE,
  PROFILE_VERSION,
  ProfileDecodeError,
} from './profile-decode';

interface RawSample {
  pid: number;
  tid: number;
  userStackId: number;
  kernelStackId: number;
  count: number;
  comm: string;
}

/** What native/src/profile_session.cc writes. */
function encodeDrain(samples: RawSample[], stacks: Map<number, bigint[]>): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(PROFILE_HEADER_SIZE);
  head.writeUInt32LE(PROFILE_MAGIC, 0);
  head.writeUInt16LE(PROFILE_VERSION, 4);
  head.writeUInt16LE(PROFILE_SAMPLE_SIZE, 6);
  head.writeUInt32LE(samples.length, 8);
  head.writeUInt32LE(stacks.size, 12);
  parts.push(head);
  for (const s of samples) {
    const b = Buffer.alloc(PROFILE_SAMPLE_SIZE);
    b.writeUInt32LE(s.pid, 0);
    b.writeUInt32LE(s.tid, 4);
    b.writeInt32LE(s.userStackId, 8);
    b.writeInt32LE(s.kernelStackId, 12);
    b.writeBigUInt64LE(BigInt(s.count), 16);
    b.write(s.comm, 24, 16, 'latin1');
    parts.push(b);
  }
  for (const [id, ips] of stacks) {
    const b = Buffer.alloc(8 + ips.length * 8);
    b.writeUInt32LE(id, 0);
    b.writeUInt32LE(ips.length, 4);
    for (let i = 0; i < ips.length; i++) b.writeBigUInt64LE(ips[i] as bigint, 8 + i * 8);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

const sampleArb = fc.record({
  pid: fc.nat(0xffffffff),
  tid: fc.nat(0xffffffff),
  userStackId: fc.integer({ min: -14, max: 0x7fffffff }),
  kernelStackId: fc.integer({ min: -14, max: 0x7fffffff }),
  count: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  comm: fc.stringMatching(/^[a-zA-Z0-9_.-]{0,15}$/),
});
const stacksArb = fc
  .uniqueArray(fc.tuple(fc.nat(0xffffffff), fc.array(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), { maxLength: 20 })), {
    selector: ([id]) => id,
    maxLength: 20,
  })
  .map((entries) => new Map(entries));

function expectOnlyDecodeErrors(buf: Buffer): void {
  try {
    decodeProfileDrain(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(ProfileDecodeError);
  }
}

describe('decodeProfileDrain', () => {
  it('round-trips what the native side writes', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 30 }), stacksArb, (samples, stacks) => {
        const out = decodeProfileDrain(encodeDrain(samples, stacks));
        expect(out.samples).toEqual(samples);
        expect(new Map([...out.stacks].map(([id, ips]) => [id, [...ips]]))).toEqual(stacks);
      }),
    );
  });

  it('refuses every truncation of a valid drain with a ProfileDecodeError', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 5 }), stacksArb, (samples, stacks) => {
        const full = encodeDrain(samples, stacks);
        for (let n = 0; n < full.length; n++)
          expect(() => decodeProfileDrain(full.subarray(0, n))).toThrow(ProfileDecodeError);
      }),
      { numRuns: 40 },
    );
  });

  it('never throws anything else on random bytes, corrupted drains or huge counts, and allocates within the input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => expectOnlyDecodeErrors(Buffer.from(bytes))));
    fc.assert(
      fc.property(
        fc.array(sampleArb, { maxLength: 5 }),
        stacksArb,
        fc.nat(),
        fc.nat(255),
        (samples, stacks, pos, value) => {
          const buf = encodeDrain(samples, stacks);
          buf[pos % buf.length] = value;
          expectOnlyDecodeErrors(buf);
        },
      ),
    );
    const head = encodeDrain([], new Map());
    head.writeUInt32LE(0xffffffff, 8);
    expect(() => decodeProfileDrain(head)).toThrow(/do not fit/);
    const deep = encodeDrain([], new Map([[1, new Array(PROFILE_MAX_DEPTH + 1).fill(1n)]]));
    expect(() => decodeProfileDrain(deep)).toThrow(/bad_depth/);
  });

  it('detects a build with another layout', () => {
    const buf = encodeDrain([], new Map());
    buf.writeUInt16LE(PROFILE_VERSION + 1, 4);
    expect(() => decodeProfileDrain(buf)).toThrow(/abi_mismatch/);
  });
});
