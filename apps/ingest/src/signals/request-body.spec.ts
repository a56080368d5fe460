import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { decodeBody, mediaType, snappyLength } from './request-body';
import { SignalError } from './signal-error';

function refusal(fn: () => unknown): SignalError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SignalError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('request bodies', () => {
  it('round-trips snappy and gzip under the limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const body = Buffer.from(bytes);
        expect(decodeBody(compressSync(body), 'snappy', ['snappy'], 4096)).toEqual(body);
        expect(decodeBody(gzipSync(body), 'gzip', ['gzip', 'identity'], 4096)).toEqual(body);
        expect(snappyLength(compressSync(body))).toBe(body.length);
      }),
    );
  });

  it('refuses bombs before inflating them', () => {
    const zeros = Buffer.alloc(8 << 20);
    expect(refusal(() => decodeBody(gzipSync(zeros), 'gzip', ['gzip'], 1 << 20))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(refusal(() => decodeBody(compressSync(zeros), 'snappy', ['snappy'], 1 << 20)).status).toBe(413);
    // A header announcing 4 GiB - 1 with no data behind it.
    expect(
      refusal(() => decodeBody(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 'snappy', ['snappy'], 1 << 20)).status,
    ).toBe(413);
  });

  it('refuses a literal whose 4-byte length is negative as a 32-bit int, instead of looping on it', () => {
    // Announces 10 bytes, then a literal tag with a 4-byte length of 0xffffffff: snappyjs looped forever here.
    const crafted = Buffer.from([10, 0xfc, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    expect(refusal(() => decodeBody(crafted, 'snappy', ['snappy'], 4096))).toMatchObject({ status: 400 });
  });

  it('refuses encodings the route does not take, and broken streams', () => {
    expect(refusal(() => decodeBody(Buffer.from('x'), undefined, ['snappy'], 10))).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(refusal(() => decodeBody(Buffer.from('x'), 'br', ['gzip', 'identity'], 10)).status).toBe(415);
    expect(refusal(() => decodeBody(Buffer.from('not gzip'), 'gzip', ['gzip'], 10))).toMatchObject({
      status: 400,
      code: 'MALFORMED_BATCH',
    });
    expect(decodeBody(Buffer.from('x'), 'IDENTITY', ['identity'], 10).toString()).toBe('x');
    expect(mediaType('Application/JSON; charset=utf-8')).toBe('application/json');
  });
});
