import { gunzipSync } from 'node:zlib';
import { uncompressSync } from 'snappy';
import { malformed, SignalError } from './signal-error';

/**
 * Undoes the Content-Encoding of a request body, refusing anything that would inflate past `maxBytes` before it
 * allocates: gzip through zlib's maxOutputLength, snappy by the uncompressed length its block header announces.
 */
export function decodeBody(
  body: Buffer,
  encoding: string | undefined,
  accepted: readonly ('gzip' | 'snappy' | 'identity')[],
  maxBytes: number,
): Buffer {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (!(accepted as readonly string[]).includes(name)) {
    throw new SignalError(415, 'UNSUPPORTED_MEDIA_TYPE', `content-encoding must be one of ${accepted.join(', ')}`);
  }
  if (name === 'gzip') {
    try {
      return gunzipSync(body, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw tooLarge(maxBytes);
      }
      throw malformed(`invalid gzip body: ${(err as Error).message}`);
    }
  }
  if (name === 'snappy') {
    // The announced length is checked before anything is allocated. Decoding is Google's snappy (native): the
    // pure-JS snappyjs loops forever on some crafted literals (a negative length moves its cursor backwards).
    if (snappyLength(body) > maxBytes) throw tooLarge(maxBytes);
    try {
      return uncompressSync(body, { asBuffer: true }) as Buffer;
    } catch (err) {
      throw malformed(`invalid snappy body: ${(err as Error).message}`);
    }
  }
  return body;
}

const tooLarge = (maxBytes: number) =>
  new SignalError(413, 'PAYLOAD_TOO_LARGE', `decompressed body exceeds ${maxBytes} bytes`);

/** The varint at the start of a snappy block: its uncompressed length (-1 when the header itself is broken). */
export function snappyLength(block: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    const byte = block[i] as number;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  return -1;
}

/** The media type of a Content-Type header without parameters, lower-cased. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
