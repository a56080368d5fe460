import { HUFFMAN_CODES, HUFFMAN_LENGTHS, STATIC_TABLE } from './hpack-tables';

/**
 * HPACK (RFC 7541) decoder for one direction of one HTTP/2 connection: integers, string literals (Huffman or raw),
 * the static table and a bounded dynamic table. Every header block of a direction must be decoded in order for the
 * dynamic table to stay right; when one cannot be (malformed, or cut by the capture cap) the decoder is broken for
 * good and says so (`broken`), rather than guessing.
 */

/** Huffman decoding trie: node i has children at [2i] (bit 0) and [2i+1] (bit 1); leaves hold -(symbol + 1). */
const TRIE = buildTrie();

function buildTrie(): Int32Array {
  const trie = new Int32Array(2 * 600);
  let nodes = 1;
  for (let sym = 0; sym < 257; sym++) {
    const code = HUFFMAN_CODES[sym] as number;
    const len = HUFFMAN_LENGTHS[sym] as number;
    let node = 0;
    for (let b = len - 1; b >= 0; b--) {
      const bit = Math.floor(code / 2 ** b) & 1;
      const slot = 2 * node + bit;
      if (b === 0) trie[slot] = -(sym + 1);
      else {
        if (trie[slot] === 0) trie[slot] = nodes++;
        node = trie[slot] as number;
      }
    }
  }
  return trie;
}

/** Symbols in the last string `huffmanDecode` decoded (its text may be capped shorter). */
let decodedLength = 0;

/** Decodes Huffman `buf[start, end)` to latin1 text (at most `maxChars`); null when invalid (EOS inside, bad padding). */
export function huffmanDecode(buf: Buffer, start: number, end: number, maxChars: number): string | null {
  let node = 0;
  let count = 0;
  let out = '';
  let bitsSinceSymbol = 0;
  let allOnes = true;
  for (let i = start; i < end; i++) {
    const byte = buf[i] as number;
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> b) & 1;
      const next = TRIE[2 * node + bit] as number;
      bitsSinceSymbol++;
      if (bit === 0) allOnes = false;
      if (next < 0) {
        const sym = -next - 1;
        if (sym === 256) return null;
        if (count++ < maxChars) out += String.fromCharCode(sym);
        node = 0;
        bitsSinceSymbol = 0;
        allOnes = true;
      } else if (next === 0) {
        return null;
      } else {
        node = next;
      }
    }
  }
  decodedLength = count;
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  return bitsSinceSymbol < 8 && allOnes ? out : null;
}

export interface HeaderSink {
  header(name: string, value: string): void;
}

const MAX_VALUE = 1024;

export class HpackDecoder {
  broken = false;
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  /** RFC size of each entry (octets of name and value + 32): values are kept capped, their size is not. */
  private readonly sizes: number[] = [];
  private size = 0;
  /** Octet length of the last string literal read. */
  private lastLength = 0;
  private maxSize = 4096;
  private pos = 0;

  /** `limit`: the most a peer may make the dynamic table grow to (its SETTINGS_HEADER_TABLE_SIZE, capped). */
  constructor(private readonly limit = 64 * 1024) {}

  /** Decodes one complete header block; false (and broken) when it is malformed. */
  decode(buf: Buffer, start: number, end: number, sink: HeaderSink): boolean {
    if (this.broken) return false;
    this.pos = start;
    while (this.pos < end) {
      const b = buf[this.pos] as number;
      if (b & 0x80) {
        const index = this.int(buf, end, 7);
        if (index <= 0 || !this.emitIndexed(index, sink)) return this.fail();
      } else if (b & 0x40) {
        if (!this.literal(buf, end, 6, true, sink)) return this.fail();
      } else if (b & 0x20) {
        const size = this.int(buf, end, 5);
        if (size < 0 || size > this.limit) return this.fail();
        this.maxSize = size;
        this.evict(0);
      } else if (!this.literal(buf, end, 4, false, sink)) {
        return this.fail();
      }
    }
    return true;
  }

  private fail(): boolean {
    this.broken = true;
    return false;
  }

  private literal(buf: Buffer, end: number, prefix: number, index: boolean, sink: HeaderSink): boolean {
    const nameIndex = this.int(buf, end, prefix);
    if (nameIndex < 0) return false;
    let name: string | null;
    let nameLength: number;
    if (nameIndex === 0) {
      name = this.string(buf, end, 256);
      nameLength = this.lastLength;
    } else {
      name = this.nameAt(nameIndex);
      nameLength = name?.length ?? 0;
    }
    if (name === null) return false;
    const value = this.string(buf, end, MAX_VALUE);
    if (value === null) return false;
    if (index) this.add(name, value, nameLength + this.lastLength + 32);
    sink.header(name, value);
    return true;
  }

  private nameAt(index: number): string | null {
    if (index <= STATIC_TABLE.length) return (STATIC_TABLE[index - 1] as readonly [string, string])[0];
    const d = index - STATIC_TABLE.length - 1;
    return d < this.names.length ? (this.names[this.names.length - 1 - d] as string) : null;
  }

  private emitIndexed(index: number, sink: HeaderSink): boolean {
    if (index <= STATIC_TABLE.length) {
      const e = STATIC_TABLE[index - 1] as readonly [string, string];
      sink.header(e[0], e[1]);
      return true;
    }
    const d = index - STATIC_TABLE.length - 1;
    if (d >= this.names.length) return false;
    const i = this.names.length - 1 - d;
    sink.header(this.names[i] as string, this.values[i] as string);
    return true;
  }

  /** Entries are kept oldest first. */
  private add(name: string, value: string, entrySize: number): void {
    this.evict(entrySize);
    if (entrySize > this.maxSize) return;
    this.names.push(name);
    this.values.push(value);
    this.sizes.push(entrySize);
    this.size += entrySize;
  }

  private evict(incoming: number): void {
    while (this.names.length > 0 && this.size + incoming > this.maxSize) {
      this.names.shift();
      this.values.shift();
      this.size -= this.sizes.shift() as number;
    }
  }

  /** Prefix-coded integer (RFC 7541 §5.1); -1 when truncated or over 2^28. */
  private int(buf: Buffer, end: number, prefix: number): number {
    if (this.pos >= end) return -1;
    const max = (1 << prefix) - 1;
    let v = (buf[this.pos++] as number) & max;
    if (v < max) return v;
    let shift = 0;
    for (;;) {
      if (this.pos >= end || shift > 21) return -1;
      const b = buf[this.pos++] as number;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return v;
    }
  }

  private string(buf: Buffer, end: number, maxChars: number): string | null {
    if (this.pos >= end) return null;
    const huffman = ((buf[this.pos] as number) & 0x80) !== 0;
    const len = this.int(buf, end, 7);
    if (len < 0 || this.pos + len > end) return null;
    const start = this.pos;
    this.pos += len;
    if (huffman) {
      const text = huffmanDecode(buf, start, start + len, maxChars);
      this.lastLength = decodedLength;
      return text;
    }
    this.lastLength = len;
    return buf.toString('latin1', start, Math.min(start + len, start + maxChars));
  }
}
