import type { SocketEvent } from '@bathyscope/native';
import type { HttpResponseStatus } from '../types';
import { ExchangeSession, type SessionSink } from './exchange-session';
import { LengthFramer } from './length-framer';
import type { ProtocolSpec } from './protocol-spec';

const HEADER = 12;
const MAX_NAME = 255;
const MAX_RECORDS = 256;

const QTYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  39: 'DNAME',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  48: 'DNSKEY',
  52: 'TLSA',
  64: 'SVCB',
  65: 'HTTPS',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA',
};

export function qtypeName(type: number): string {
  return QTYPE_NAMES[type] ?? `TYPE${type}`;
}

function rcodeStatus(rcode: number): HttpResponseStatus {
  if (rcode === 0) return 'ok';
  return rcode === 2 ? 'server_error' : 'client_error';
}

/** End of the (possibly compressed) name at `i`, or -1. `strict` demands printable labels and no pointer loops. */
function skipName(buf: Buffer, i: number, end: number): number {
  let total = 0;
  for (let n = 0; n < 128; n++) {
    if (i >= end) return -1;
    const len = buf[i] as number;
    if (len === 0) return i + 1;
    if ((len & 0xc0) === 0xc0) return i + 2 <= end ? i + 2 : -1;
    if (len > 63) return -1;
    total += len + 1;
    if (total > MAX_NAME) return -1;
    i += len + 1;
  }
  return -1;
}

/** The question name as text (labels joined by dots, lower-cased), or null when not a plain printable name. */
function readQName(buf: Buffer, i: number, end: number): { name: string; next: number } | null {
  let name = '';
  for (let n = 0; n < 128; n++) {
    if (i >= end) return null;
    const len = buf[i] as number;
    if (len === 0) return { name: name === '' ? '.' : name, next: i + 1 };
    if (len > 63 || i + 1 + len > end || name.length + len + 1 > MAX_NAME) return null;
    for (let j = i + 1; j <= i + len; j++) {
      const c = buf[j] as number;
      if (c <= 0x20 || c >= 0x7f) return null;
    }
    const label = buf.toString('latin1', i + 1, i + 1 + len).toLowerCase();
    name = name === '' ? label : `${name}.${label}`;
    i += len + 1;
  }
  return null;
}

/**
 * A whole DNS message exactly filling `buf[off, end)`: header, one question with a printable name, and resource
 * records that parse to the last byte. Used to recognise DNS on a socket; returns QR (0 query, 1 response) or -1.
 */
export function validDnsMessage(buf: Buffer, off: number, end: number): number {
  if (end - off < HEADER + 5) return -1;
  const flags = buf.readUInt16BE(off + 2);
  const qr = flags >> 15;
  const opcode = (flags >> 11) & 0xf;
  const z = (flags >> 6) & 1;
  if (opcode !== 0 || z !== 0) return -1;
  const qd = buf.readUInt16BE(off + 4);
  const an = buf.readUInt16BE(off + 6);
  const ns = buf.readUInt16BE(off + 8);
  const ar = buf.readUInt16BE(off + 10);
  if (qd !== 1) return -1;
  if (qr === 0 && (an !== 0 || ns !== 0 || ar > 1 || (flags & 0x8f) !== 0)) return -1;
  if (an + ns + ar > MAX_RECORDS) return -1;
  const q = readQName(buf, off + HEADER, end);
  if (q === null || q.next + 4 > end) return -1;
  const qclass = buf.readUInt16BE(q.next + 2);
  if (qclass !== 1 && qclass !== 3 && qclass !== 255) return -1;
  let i = q.next + 4;
  for (let r = 0; r < an + ns + ar; r++) {
    i = skipName(buf, i, end);
    if (i < 0 || i + 10 > end) return -1;
    i += 10 + buf.readUInt16BE(i + 8);
  }
  return i === end ? qr : -1;
}

/**
 * DNS over UDP (one datagram per syscall) and TCP (2-byte length prefix). Queries and answers pair by transaction
 * id, so an unconnected UDP socket talking to several resolvers pairs correctly (each record keeps the peer of its
 * query). Record: method = query type, path = host = endpoint = query name, status = RCODE (NXDOMAIN, REFUSED,
 * FORMERR: client error; SERVFAIL: server error).
 */
export class DnsSession extends ExchangeSession {
  private readonly queries: LengthFramer | null;
  private readonly answers: LengthFramer | null;

  constructor(
    pid: number,
    fd: number,
    first: SocketEvent,
    requestDirection: 'egress' | 'ingress',
    sink: SessionSink,
    tcp: boolean,
  ) {
    super('dns', pid, fd, first, requestDirection, sink);
    if (!tcp) {
      this.queries = null;
      this.answers = null;
      return;
    }
    const cap = Math.min(sink.maxMessageBufferBytes, 4096);
    const frameLength = (buf: Buffer, off: number, avail: number): number =>
      avail < 2 ? 0 : buf.readUInt16BE(off) + 2 > HEADER + 2 ? buf.readUInt16BE(off) + 2 : -1;
    const startsMessage = (buf: Buffer): boolean =>
      buf.length >= 2 + HEADER && validDnsMessage(buf, 2, Math.min(buf.length, buf.readUInt16BE(0) + 2)) >= 0;
    this.queries = new LengthFramer(
      {
        frameLength,
        startsMessage,
        onMessage: (head, off, len, total, startNs) => this.onMessage(true, head, off + 2, off + len, total, startNs),
        onDesync: () => this.desync(),
      },
      cap,
    );
    this.answers = new LengthFramer(
      {
        frameLength,
        startsMessage,
        onMessage: (head, off, len, total, startNs, endNs) =>
          this.onMessage(false, head, off + 2, off + len, total, startNs, endNs),
        onDesync: () => this.desync(),
      },
      cap,
    );
  }

  protected feed(isRequest: boolean, data: Buffer, tsNs: bigint): void {
    const framer = isRequest ? this.queries : this.answers;
    if (framer !== null) framer.feed(data, tsNs);
    else this.onMessage(isRequest, data, 0, data.length, data.length, tsNs, tsNs);
  }

  protected gap(isRequest: boolean, len: number, tsNs: bigint): void {
    const framer = isRequest ? this.queries : this.answers;
    // A datagram cut by the capture cap was already handled from its head.
    if (framer !== null) framer.gap(len, tsNs);
  }

  private onMessage(
    isQuery: boolean,
    buf: Buffer,
    off: number,
    end: number,
    total: number,
    startNs: bigint,
    endNs = startNs,
  ): void {
    if (end - off < HEADER) return;
    const id = buf.readUInt16BE(off);
    const flags = buf.readUInt16BE(off + 2);
    // A UDP socket may carry both directions' roles (a resolver forwarding): only QR decides.
    if ((flags >> 15 === 0) !== isQuery) return;
    if (isQuery) {
      const q = readQName(buf, off + HEADER, end);
      const name = q?.name ?? '';
      const qtype = q !== null && q.next + 2 <= end ? buf.readUInt16BE(q.next) : 0;
      this.request(startNs, id, qtypeName(qtype), name, name, name, total);
      return;
    }
    const p = this.take(startNs, id);
    if (p === undefined) return;
    const rcode = flags & 0xf;
    this.answer(p, startNs, rcode, rcodeStatus(rcode), total);
    p.responseEndNs = endNs;
    this.finish(p);
  }
}

function detectDns(data: Buffer, totalLen: number): 'request' | 'response' | null {
  const n = data.length;
  if (n !== totalLen || n < HEADER + 5) return null;
  let qr = validDnsMessage(data, 0, n);
  if (qr < 0 && data.readUInt16BE(0) + 2 === n) qr = validDnsMessage(data, 2, n);
  if (qr < 0) return null;
  return qr === 0 ? 'request' : 'response';
}

export const DNS_SPEC: ProtocolSpec = {
  protocol: 'dns',
  detect: detectDns,
  create: (pid, fd, first, requestDirection, sink) =>
    new DnsSession(
      pid,
      fd,
      first,
      requestDirection,
      sink,
      validDnsMessage(first.data, 0, first.data.length) < 0 && first.data.length >= 2 + HEADER,
    ),
};
