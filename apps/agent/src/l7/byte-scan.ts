const LF = 0x0a;
const CR = 0x0d;

/*
 * Byte scans in JavaScript rather than Buffer#indexOf: heads and their lines are short, and each indexOf is a call
 * into C++ that costs more than scanning the few hundred bytes it would search (the agent's replay profile had
 * indexOf at a tenth of its CPU).
 */

/** Offset of the first LF in `buf[from, end)`, or -1. */
export function findLf(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === LF) return i;
  return -1;
}

/**
 * Offset of the first CRLFCRLF that starts at or after `from` and ends by `end`, or -1. Horspool's skips: `i` is
 * where the pattern's last byte would be; a byte that is neither CR nor LF cannot be in a match, so most steps skip 4.
 */
export function findHeadEnd(buf: Buffer, from: number, end: number): number {
  for (let i = from + 3; i < end; ) {
    const c = buf[i];
    if (c === LF) {
      if (buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) return i - 3;
      i += 2;
    } else if (c === CR) {
      i += 1;
    } else {
      i += 4;
    }
  }
  return -1;
}
