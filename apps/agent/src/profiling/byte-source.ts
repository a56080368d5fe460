import * as fs from 'node:fs';

/** Random access to bytes: a whole Buffer (tests) or positioned reads of a file (ELF files can be 100 MB). */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`, or null when that range is outside the source. */
  read(offset: number, length: number): Buffer | null;
}

export class BufferSource implements ByteSource {
  constructor(private readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Buffer | null {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) return null;
    if (offset + length > this.buf.length) return null;
    return this.buf.subarray(offset, offset + length);
  }
}

/** Reads a file with pread; the caller closes it. */
export class FileSource implements ByteSource {
  readonly size: number;
  constructor(private readonly fd: number) {
    this.size = fs.fstatSync(fd).size;
  }
  read(offset: number, length: number): Buffer | null {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) return null;
    if (offset + length > this.size) return null;
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) return null; // the file shrank under us
      done += n;
    }
    return out;
  }
}
