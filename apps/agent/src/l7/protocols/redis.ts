import type { SocketEvent } from '@bathyscope/native';
import type { HttpResponseStatus } from '../types';
import { ExchangeSession, type SessionSink } from './exchange-session';
import type { ProtocolSpec } from './protocol-spec';
import { RespReader } from './resp-reader';

/** Commands whose first argument is a subcommand: the endpoint keeps both (`CONFIG GET`, `CLIENT SETINFO`). */
const CONTAINER_COMMANDS = new Set([
  'ACL',
  'CLIENT',
  'CLUSTER',
  'COMMAND',
  'CONFIG',
  'DEBUG',
  'FUNCTION',
  'LATENCY',
  'MEMORY',
  'MODULE',
  'OBJECT',
  'PUBSUB',
  'SCRIPT',
  'SLOWLOG',
  'XGROUP',
  'XINFO',
]);
const SUBSCRIBE_COMMANDS = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE']);
/** Error prefixes that mean the server could not serve a valid command (everything else is the caller's fault). */
const SERVER_ERRORS = [
  'LOADING',
  'BUSY',
  'MASTERDOWN',
  'OOM',
  'READONLY',
  'NOREPLICAS',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MISCONF',
  'EXECABORT',
];

export function redisErrorStatus(text: string): HttpResponseStatus {
  for (const prefix of SERVER_ERRORS) if (text.startsWith(prefix)) return 'server_error';
  return 'client_error';
}

const MAX_COMMAND = 32;
const MAX_KEY = 128;

function upperWord(s: string): string {
  let out = '';
  for (let i = 0; i < s.length && i < MAX_COMMAND; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(c - 0x20);
    else if ((c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f || (c >= 0x30 && c <= 0x39)) {
      out += s[i];
    } else return '';
  }
  return out;
}

function printable(s: string): string {
  let i = 0;
  while (i < s.length && i < MAX_KEY) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) break;
    i++;
  }
  return s.slice(0, i);
}

/**
 * Redis (RESP2/RESP3). Requests are arrays of bulk strings; replies are paired first in, first out, so pipelined
 * commands pair exactly. RESP3 push messages and, after a SUBSCRIBE, unsolicited pub/sub messages answer no request.
 * Record: method = command, path = command and first key (values are never recorded), endpoint = command.
 */
export class RedisSession extends ExchangeSession {
  private readonly requests: RespReader;
  private readonly responses: RespReader;
  private subscribed = false;

  constructor(pid: number, fd: number, first: SocketEvent, requestDirection: 'egress' | 'ingress', sink: SessionSink) {
    super('redis', pid, fd, first, requestDirection, sink);
    this.requests = new RespReader(
      {
        onValue: (type, startNs, _endNs, bytes) => this.onRequest(type, startNs, bytes),
        onDesync: () => this.desync(),
      },
      true,
    );
    this.responses = new RespReader(
      {
        onValue: (type, startNs, endNs, bytes) => this.onResponse(type, startNs, endNs, bytes),
        onDesync: (tsNs) => {
          this.desync();
          this.dropUnanswered(tsNs);
        },
      },
      false,
    );
  }

  protected feed(isRequest: boolean, data: Buffer, tsNs: bigint): void {
    (isRequest ? this.requests : this.responses).feed(data, tsNs);
  }

  protected gap(isRequest: boolean, len: number, tsNs: bigint): void {
    (isRequest ? this.requests : this.responses).gap(len, tsNs);
  }

  private onRequest(type: number, startNs: bigint, bytes: number): void {
    const r = this.requests;
    if (type !== 0x2a || r.argCount === 0) return;
    const command = upperWord(r.arg0);
    if (command === '') return;
    let endpoint = command;
    const key = printable(r.arg1);
    if (CONTAINER_COMMANDS.has(command) && r.argCount > 1) {
      const sub = upperWord(r.arg1);
      if (sub !== '') endpoint = `${command} ${sub}`;
    }
    if (SUBSCRIBE_COMMANDS.has(command)) this.subscribed = true;
    const path = r.argCount > 1 && key !== '' ? `${command} ${key}` : command;
    this.request(startNs, -1, command, path, '', endpoint, bytes);
  }

  private onResponse(type: number, startNs: bigint, endNs: bigint, bytes: number): void {
    // RESP3 out-of-band data answers no request.
    if (type === 0x3e) return;
    const pending = this.pending;
    if (this.subscribed && !pending.some((p) => !p.answered)) return;
    const p = this.take(startNs);
    if (p === undefined) return;
    const isError = type === 0x2d || type === 0x21;
    this.answer(p, startNs, 0, isError ? redisErrorStatus(this.responses.errorText) : 'ok', bytes);
    p.responseEndNs = endNs;
    this.finish(p);
  }
}

/** `*<n>\r\n$<len>\r\n<command letters>`: the start of a command array, in either direction. */
function detectRedis(data: Buffer): 'request' | 'response' | null {
  const n = data.length;
  if (n < 8 || data[0] !== 0x2a) return null;
  let i = 1;
  let count = 0;
  while (i < n && i < 8 && (data[i] as number) >= 0x30 && (data[i] as number) <= 0x39) {
    count = count * 10 + (data[i] as number) - 0x30;
    i++;
  }
  if (i === 1 || count === 0 || data[i] !== 0x0d || data[i + 1] !== 0x0a || data[i + 2] !== 0x24) return null;
  i += 3;
  const digits = i;
  let len = 0;
  while (i < n && i < digits + 3 && (data[i] as number) >= 0x30 && (data[i] as number) <= 0x39) {
    len = len * 10 + (data[i] as number) - 0x30;
    i++;
  }
  if (i === digits || len === 0 || len > MAX_COMMAND || data[i] !== 0x0d || data[i + 1] !== 0x0a) return null;
  i += 2;
  const end = Math.min(n, i + len);
  if (end === i) return null;
  for (let j = i; j < end; j++) {
    const c = (data[j] as number) | 0x20;
    if (c < 0x61 || c > 0x7a) return null;
  }
  if (end === i + len && n > end && data[end] !== 0x0d) return null;
  return 'request';
}

export const REDIS_SPEC: ProtocolSpec = {
  protocol: 'redis',
  detect: detectRedis,
  create: (pid, fd, first, requestDirection, sink) => new RedisSession(pid, fd, first, requestDirection, sink),
};
