import type { SocketEvent } from '@bathyscope/native';
import { isIdSegment } from '../url-endpoint';
import { ExchangeSession, type SessionSink } from './exchange-session';
import { LengthFramer } from './length-framer';
import type { ProtocolSpec } from './protocol-spec';

const CONNECT = 1;
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;
const SUBSCRIBE = 8;
const SUBACK = 9;
const UNSUBSCRIBE = 10;
const UNSUBACK = 11;
const PINGREQ = 12;
const PINGRESP = 13;

const TYPE_NAMES = [
  '',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
];

/** Requests without a packet id pair by type, in order: keys above any 16-bit packet id. */
const KEY_CONNECT = 0x10000;
const KEY_PING = 0x10001;
/** MQTT caps the remaining length at 268 435 455 (four varint bytes). */
const MAX_REMAINING = 268_435_455;
const MAX_TOPIC = 256;

/** A topic as an endpoint: id-like levels become `{id}` (`sensors/{id}/temp`), like URL paths. */
export function topicEndpoint(topic: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i <= topic.length; i++) {
    if (i < topic.length && topic.charCodeAt(i) !== 0x2f) continue;
    if (start > 0 || i > 0) out += start === 0 ? '' : '/';
    out += isIdSegment(topic, start, i) ? '{id}' : topic.slice(start, i);
    start = i + 1;
  }
  return out;
}

/** Remaining-length varint at `off`: [value, header bytes] or [-1, 0] when not complete yet / [-2, 0] invalid. */
function remainingLength(buf: Buffer, off: number, avail: number): [number, number] {
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    if (i >= avail) return [-1, 0];
    const b = buf[off + i] as number;
    v += (b & 0x7f) * 128 ** (i - 1);
    if ((b & 0x80) === 0) return [v, i + 1];
  }
  return [-2, 0];
}

/**
 * MQTT 3.1, 3.1.1 and 5. CONNECT/CONNACK and PINGREQ/PINGRESP pair in order; PUBLISH (QoS 1: PUBACK, QoS 2: PUBREC),
 * SUBSCRIBE/SUBACK and UNSUBSCRIBE/UNSUBACK pair by packet id. A QoS 0 PUBLISH has no answer and is recorded at
 * once. Messages the broker delivers to a subscriber travel the other way; they are not requests of this side and
 * are not recorded. Record: method = packet type, path = topic (client id for CONNECT), endpoint = type and topic
 * with id-like levels folded, status = reason/return code (CONNACK refusals, SUBACK 0x80, v5 reason codes ≥ 0x80).
 */
export class MqttSession extends ExchangeSession {
  private readonly requests: LengthFramer;
  private readonly responses: LengthFramer;
  private level = 4;

  constructor(pid: number, fd: number, first: SocketEvent, requestDirection: 'egress' | 'ingress', sink: SessionSink) {
    super('mqtt', pid, fd, first, requestDirection, sink, '3.1.1');
    const cap = Math.min(sink.maxMessageBufferBytes, 4096);
    const frameLength = (buf: Buffer, off: number, avail: number): number => {
      if (avail < 2) return 0;
      const [len, headerBytes] = remainingLength(buf, off, avail);
      if (len === -1) return 0;
      return len < 0 || len > MAX_REMAINING || (buf[off] as number) >> 4 === 0 ? -1 : headerBytes + len;
    };
    this.requests = new LengthFramer(
      {
        frameLength,
        startsMessage: (buf) => buf.length >= 2 && (buf[0] as number) >> 4 !== 0 && frameLength(buf, 0, buf.length) > 0,
        onMessage: (head, off, len, total, startNs) => this.onRequest(head, off, off + len, total, startNs),
        onDesync: () => this.desync(),
      },
      cap,
    );
    this.responses = new LengthFramer(
      {
        frameLength,
        startsMessage: (buf) => buf.length >= 2 && (buf[0] as number) >> 4 !== 0 && frameLength(buf, 0, buf.length) > 0,
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

  /** Start of the variable header (after the fixed header). */
  private body(head: Buffer, off: number, end: number): number {
    const [, headerBytes] = remainingLength(head, off, end - off);
    return off + headerBytes;
  }

  private str(head: Buffer, at: number, end: number): [string, number] {
    if (at + 2 > end) return ['', end];
    const len = head.readUInt16BE(at);
    const stop = Math.min(end, at + 2 + len);
    return [head.toString('utf8', at + 2, Math.min(stop, at + 2 + MAX_TOPIC)), at + 2 + len];
  }

  private onRequest(head: Buffer, off: number, end: number, total: number, startNs: bigint): void {
    const first = head[off] as number;
    const type = first >> 4;
    const name = TYPE_NAMES[type] as string;
    let i = this.body(head, off, end);
    if (type === CONNECT) {
      const [protocolName, next] = this.str(head, i, end);
      this.level = head[next] ?? 4;
      this.version = this.level === 5 ? '5' : this.level === 3 || protocolName === 'MQIsdp' ? '3.1' : '3.1.1';
      // Flags, keep-alive, [v5 properties], then the client id.
      i = next + 4;
      if (this.level === 5) i = this.skipProperties(head, i, end);
      const [clientId] = this.str(head, i, end);
      this.request(startNs, KEY_CONNECT, name, clientId, clientId, name, total);
      return;
    }
    if (type === PINGREQ) {
      this.request(startNs, KEY_PING, name, '', '', name, total);
      return;
    }
    if (type === PUBLISH) {
      const qos = (first >> 1) & 3;
      const [topic, next] = this.str(head, i, end);
      const endpoint = `${name} ${topicEndpoint(topic)}`;
      if (qos === 0) {
        const p = this.request(startNs, -1, name, topic, '', endpoint, total);
        this.answer(p, startNs, 0, 'ok', 0);
        this.finish(p);
        return;
      }
      const id = next + 2 <= end ? head.readUInt16BE(next) : -1;
      this.request(startNs, id, name, topic, '', endpoint, total);
      return;
    }
    if (type === SUBSCRIBE || type === UNSUBSCRIBE) {
      const id = i + 2 <= end ? head.readUInt16BE(i) : -1;
      i += 2;
      if (this.level === 5) i = this.skipProperties(head, i, end);
      const [filter] = this.str(head, i, end);
      this.request(startNs, id, name, filter, '', `${name} ${topicEndpoint(filter)}`, total);
    }
    // PUBACK/PUBREC/PUBREL/PUBCOMP from this side answer the broker's deliveries; DISCONNECT ends the session.
  }

  private onResponse(head: Buffer, off: number, end: number, total: number, startNs: bigint, endNs: bigint): void {
    const type = (head[off] as number) >> 4;
    const i = this.body(head, off, end);
    let key: number;
    let code = 0;
    if (type === CONNACK) {
      key = KEY_CONNECT;
      code = head[i + 1] ?? 0;
    } else if (type === PINGRESP) {
      key = KEY_PING;
    } else if (type === PUBACK || type === PUBREC || type === SUBACK || type === UNSUBACK) {
      if (i + 2 > end) return;
      key = head.readUInt16BE(i);
      if (type === SUBACK) {
        // First return code, after the v5 properties.
        const at = this.level === 5 ? this.skipProperties(head, i + 2, end) : i + 2;
        code = head[at] ?? 0;
      } else if (this.level === 5 && i + 2 < end) {
        code = head[i + 2] as number;
      }
    } else {
      // Deliveries (PUBLISH), PUBREL/PUBCOMP of QoS 2 flows: not answers to this side's requests.
      return;
    }
    const p = this.take(startNs, key);
    if (p === undefined) return;
    const failed = type === CONNACK ? code !== 0 : code >= 0x80;
    this.answer(
      p,
      startNs,
      code,
      failed ? (code === 0x80 || code >= 0x87 ? 'client_error' : 'server_error') : 'ok',
      total,
    );
    p.responseEndNs = endNs;
    this.finish(p);
  }

  private skipProperties(head: Buffer, at: number, end: number): number {
    let len = 0;
    let i = at;
    for (let n = 0; n < 4 && i < end; n++) {
      const b = head[i++] as number;
      len += (b & 0x7f) * 128 ** n;
      if ((b & 0x80) === 0) break;
    }
    return i + len;
  }
}

/** A whole CONNECT in one syscall: type 1, remaining length to the end, protocol name MQTT / MQIsdp. */
function detectMqtt(data: Buffer, totalLen: number): 'request' | 'response' | null {
  const n = data.length;
  if (n < 12 || n !== totalLen || data[0] !== 0x10) return null;
  const [len, headerBytes] = remainingLength(data, 0, n);
  if (len < 0 || headerBytes + len !== n) return null;
  const nameLen = data.readUInt16BE(headerBytes);
  const name = data.toString('latin1', headerBytes + 2, headerBytes + 2 + nameLen);
  const level = data[headerBytes + 2 + nameLen];
  if (name === 'MQTT' && (level === 4 || level === 5)) return 'request';
  if (name === 'MQIsdp' && level === 3) return 'request';
  return null;
}

export const MQTT_SPEC: ProtocolSpec = {
  protocol: 'mqtt',
  detect: detectMqtt,
  create: (pid, fd, first, requestDirection, sink) => new MqttSession(pid, fd, first, requestDirection, sink),
};
