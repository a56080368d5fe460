import type { SocketEvent } from '@bathyscope/native';
import type { HttpResponseStatus } from '../types';
import { ExchangeSession, type SessionSink } from './exchange-session';
import { LengthFramer } from './length-framer';
import type { ProtocolSpec } from './protocol-spec';

const PRODUCE = 0;
const FETCH = 1;
const API_VERSIONS = 18;
const MAX_API_KEY = 80;
/** Brokers refuse requests over socket.request.max.bytes (100 MB by default). */
const MAX_MESSAGE = 200 * 1024 * 1024;
const MAX_TOPIC = 249;

const API_NAMES: Record<number, string> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  15: 'DescribeGroups',
  16: 'ListGroups',
  17: 'SaslHandshake',
  18: 'ApiVersions',
  19: 'CreateTopics',
  20: 'DeleteTopics',
  22: 'InitProducerId',
  24: 'AddPartitionsToTxn',
  25: 'AddOffsetsToTxn',
  26: 'EndTxn',
  28: 'TxnOffsetCommit',
  32: 'DescribeConfigs',
  36: 'SaslAuthenticate',
  37: 'CreatePartitions',
  60: 'DescribeCluster',
};

/** First version of each API whose request and response headers carry tagged fields (KIP-482). */
const FLEXIBLE_FROM: Record<number, number> = {
  0: 9,
  1: 12,
  2: 6,
  3: 9,
  8: 8,
  9: 6,
  10: 3,
  11: 6,
  12: 4,
  13: 4,
  14: 4,
  15: 5,
  16: 3,
  18: 3,
  19: 5,
  20: 4,
  22: 2,
  36: 2,
  60: 0,
};

/** Error codes that mean the client asked for something wrong (others, and -1, are the broker's). */
const CLIENT_ERRORS = new Set([3, 10, 17, 29, 30, 31, 35, 42, 87]);

function errorStatus(code: number): HttpResponseStatus {
  if (code === 0) return 'ok';
  return CLIENT_ERRORS.has(code) ? 'client_error' : 'server_error';
}

export function kafkaApiName(key: number): string {
  return API_NAMES[key] ?? `Api${key}`;
}

function isFlexible(apiKey: number, version: number): boolean {
  const from = FLEXIBLE_FROM[apiKey];
  return from !== undefined && version >= from;
}

/** A cursor over a message head; every read returns -1 / null past the end instead of throwing. */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  skip(n: number): boolean {
    this.pos += n;
    return this.pos <= this.end;
  }

  int16(): number {
    if (this.pos + 2 > this.end) return -0x10000;
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    if (this.pos + 4 > this.end) return -1;
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uvarint(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) return -1;
      const b = this.buf[this.pos++] as number;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
    return -1;
  }

  /** int16-length string (nullable); null when absent or cut. */
  string(max: number): string | null {
    const len = this.int16();
    if (len < 0 || this.pos + len > this.end) return null;
    const s = this.buf.toString('latin1', this.pos, this.pos + Math.min(len, max));
    this.pos += len;
    return s;
  }

  compactString(max: number): string | null {
    const n = this.uvarint();
    if (n <= 0 || this.pos + n - 1 > this.end) return null;
    const s = this.buf.toString('latin1', this.pos, this.pos + Math.min(n - 1, max));
    this.pos += n - 1;
    return s;
  }

  /** Skips a tagged-fields section. */
  tags(): boolean {
    const count = this.uvarint();
    if (count < 0) return false;
    for (let i = 0; i < count; i++) {
      if (this.uvarint() < 0) return false;
      const size = this.uvarint();
      if (size < 0 || !this.skip(size)) return false;
    }
    return true;
  }

  /** Array length: int32, or uvarint+1 when flexible. */
  arrayLength(flexible: boolean): number {
    return flexible ? this.uvarint() - 1 : this.int32();
  }
}

/**
 * Kafka wire protocol. Requests and responses are length-prefixed; a response carries the request's correlation id,
 * which pairs them (a client pipelines requests on one connection). Produce and Fetch requests give their first
 * topic (`Produce orders`); their responses give the first partition's error code (Produce) or the top-level one
 * (Fetch v7+). Produce with acks=0 has no response and is recorded at once. Fetch v13+ names topics by id only:
 * the endpoint is then `Fetch`. Record: method = API name, path = topic, version = API version.
 */
export class KafkaSession extends ExchangeSession {
  private readonly requests: LengthFramer;
  private readonly responses: LengthFramer;

  constructor(pid: number, fd: number, first: SocketEvent, requestDirection: 'egress' | 'ingress', sink: SessionSink) {
    super('kafka', pid, fd, first, requestDirection, sink);
    const cap = Math.min(sink.maxMessageBufferBytes, 4096);
    const frameLength = (buf: Buffer, off: number, avail: number): number => {
      if (avail < 4) return 0;
      const len = buf.readInt32BE(off);
      return len >= 4 && len <= MAX_MESSAGE ? len + 4 : -1;
    };
    this.requests = new LengthFramer(
      {
        frameLength,
        startsMessage: (buf) => detectRequest(buf, buf.length),
        onMessage: (head, off, len, total, startNs) => this.onRequest(head, off, off + len, total, startNs),
        onDesync: () => this.desync(),
      },
      cap,
    );
    this.responses = new LengthFramer(
      {
        frameLength,
        startsMessage: (buf) => buf.length >= 8 && this.byKey(buf.readInt32BE(4)) !== undefined,
        onMessage: (head, off, len, total, startNs, endNs) =>
          this.onResponse(head, off, off + len, total, startNs, endNs),
        onDesync: (tsNs) => {
          this.desync();
          this.dropUnanswered(tsNs);
        },
      },
      cap,
    );
  }

  protected feed(isRequest: boolean, data: Buffer, tsNs: bigint): void {
    (isRequest ? this.requests : this.responses).feed(data, tsNs);
  }

  protected gap(isRequest: boolean, len: number, tsNs: bigint): void {
    (isRequest ? this.requests : this.responses).gap(len, tsNs);
  }

  private onRequest(head: Buffer, off: number, end: number, total: number, startNs: bigint): void {
    if (end - off < 12) return;
    const r = new Reader(head, off + 4, end);
    const apiKey = r.int16();
    const apiVersion = r.int16();
    const correlationId = r.int32();
    r.string(64); // client id
    const flexible = isFlexible(apiKey, apiVersion);
    if (flexible && !r.tags()) return;
    const name = kafkaApiName(apiKey);
    let topic = '';
    let acks = 1;
    if (apiKey === PRODUCE) {
      if (apiVersion >= 3) {
        if (flexible) r.compactString(0);
        else r.string(0);
      }
      acks = r.int16();
      r.skip(4);
      if (r.arrayLength(flexible) > 0) topic = (flexible ? r.compactString(MAX_TOPIC) : r.string(MAX_TOPIC)) ?? '';
    } else if (apiKey === FETCH) {
      if (apiVersion < 15) r.skip(4);
      r.skip(8);
      if (apiVersion >= 3) r.skip(4);
      if (apiVersion >= 4) r.skip(1);
      if (apiVersion >= 7) r.skip(8);
      if (apiVersion < 13 && r.arrayLength(flexible) > 0) {
        topic = (flexible ? r.compactString(MAX_TOPIC) : r.string(MAX_TOPIC)) ?? '';
      }
    }
    const endpoint = topic === '' ? name : `${name} ${topic}`;
    const p = this.request(startNs, correlationId >>> 0, name, topic, '', endpoint, total);
    // How to read the response: it does not say which API it answers.
    p.tag = apiKey * 1000 + apiVersion;
    if (apiKey === PRODUCE && acks === 0) {
      // acks=0: the broker never answers.
      this.answer(p, startNs, 0, 'ok', 0);
      this.finish(p);
    }
  }

  private onResponse(head: Buffer, off: number, end: number, total: number, startNs: bigint, endNs: bigint): void {
    if (end - off < 8) return;
    const correlationId = head.readInt32BE(off + 4) >>> 0;
    const p = this.take(startNs, correlationId);
    if (p === undefined) return;
    const apiKey = Math.floor(p.tag / 1000);
    const apiVersion = p.tag % 1000;
    const code = this.errorCode(new Reader(head, off + 8, end), apiKey, apiVersion);
    this.answer(p, startNs, Math.max(code, 0), errorStatus(code), total);
    p.responseEndNs = endNs;
    this.finish(p);
  }

  /** The response's error code where Produce/Fetch put one; 0 when none could be read. */
  private errorCode(r: Reader, apiKey: number, apiVersion: number): number {
    // ApiVersions answers with a v0 header whatever its version (the client may not know the broker's yet).
    const flexible = isFlexible(apiKey, apiVersion);
    if (flexible && apiKey !== API_VERSIONS && !r.tags()) return 0;
    if (apiKey === API_VERSIONS) {
      const code = r.int16();
      return code === -0x10000 ? 0 : code;
    }
    if (apiKey === FETCH && apiVersion >= 7) {
      r.skip(4);
      const code = r.int16();
      return code === -0x10000 ? 0 : code;
    }
    if (apiKey === PRODUCE) {
      if (r.arrayLength(flexible) <= 0) return 0;
      if ((flexible ? r.compactString(0) : r.string(0)) === null) return 0;
      if (r.arrayLength(flexible) <= 0) return 0;
      r.skip(4);
      const code = r.int16();
      return code === -0x10000 ? 0 : code;
    }
    return 0;
  }
}

/** A whole request in one syscall: size = the rest, a known API key and version, a printable client id. */
function detectRequest(data: Buffer, totalLen: number): boolean {
  const n = data.length;
  if (n < 14 || totalLen < 14) return false;
  const size = data.readInt32BE(0);
  if (size !== totalLen - 4) return false;
  const apiKey = data.readInt16BE(4);
  const version = data.readInt16BE(6);
  if (apiKey < 0 || apiKey > MAX_API_KEY || version < 0 || version > 20) return false;
  const clientIdLen = data.readInt16BE(12);
  if (clientIdLen === -1) return true;
  if (clientIdLen < 1 || clientIdLen > 256 || 14 + clientIdLen > n) return false;
  for (let i = 14; i < 14 + clientIdLen; i++) {
    const c = data[i] as number;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

export const KAFKA_SPEC: ProtocolSpec = {
  protocol: 'kafka',
  detect: (data, totalLen) => (detectRequest(data, totalLen) ? 'request' : null),
  create: (pid, fd, first, requestDirection, sink) => new KafkaSession(pid, fd, first, requestDirection, sink),
};
