import type { SocketEvent } from '@bathyscope/native';
import type { HttpResponseStatus } from '../types';
import { asciiText, ExchangeSession, type PendingExchange, type SessionSink } from './exchange-session';
import { LengthFramer } from './length-framer';
import type { ProtocolSpec } from './protocol-spec';
import { sqlEndpoint, sqlVerb } from './sql-endpoint';

const PROTOCOL_3_0 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MAX_STARTUP = 10_240;
/** PostgreSQL refuses messages over 1 GB. */
const MAX_MESSAGE = 1 << 30;
const MAX_SQL = 1024;
/** Named prepared statements remembered per connection (Bind names a statement parsed earlier). */
const MAX_STATEMENTS = 32;

const FRONTEND = new Uint8Array(256);
for (const c of 'BCdcfDEHFpPQSX') FRONTEND[c.charCodeAt(0)] = 1;
const BACKEND = new Uint8Array(256);
for (const c of 'RK23CdcGHWDIEVnNAtS1sZTv') BACKEND[c.charCodeAt(0)] = 1;

const Q = 0x51;
const P = 0x50;
const B = 0x42;
const F = 0x46;
const S = 0x53;
const X = 0x58;
const Z = 0x5a;
const E = 0x45;
const N = 0x4e;
const A = 0x41;

/** SQLSTATE classes that mean the server failed (connection, resources, operator intervention, system, internal). */
function sqlStateStatus(state: string): HttpResponseStatus {
  const cls = state.slice(0, 2);
  if (cls === '08' || cls === '53' || cls === '57' || cls === '58' || cls === 'XX') return 'server_error';
  return 'client_error';
}

function nulString(buf: Buffer, start: number, end: number, max: number): { text: string; next: number } {
  const stop = Math.min(end, buf.length);
  let i = start;
  while (i < stop && buf[i] !== 0) i++;
  return { text: buf.toString('utf8', start, Math.min(i, start + max)), next: i + 1 };
}

/**
 * PostgreSQL wire protocol v3, simple and extended query. A request is a simple Query, or an extended-query unit
 * (Parse/Bind/Describe/Execute … up to Sync); its response runs to the next ReadyForQuery, so pipelined units pair
 * first in, first out. The startup and authentication exchange is paired like a request but not recorded; it gives
 * the database name (record `host`). Record: method = SQL verb, path = statement (≤ 1024 chars), endpoint = verb
 * and table; an ErrorResponse sets client/server error from its SQLSTATE class.
 */
export class PostgresSession extends ExchangeSession {
  private readonly frontend: LengthFramer;
  private readonly backend: LengthFramer;
  /** Untyped messages (startup, SSLRequest, CancelRequest) are possible on the frontend until startup. */
  private expectStartup: boolean;
  /** An SSLRequest/GSSENCRequest was sent: the server answers with one byte. */
  private expectEncryptionAnswer = false;
  /** Traffic went encrypted: nothing more can be read. */
  private encrypted = false;
  private database = '';
  /** Extended-query unit being sent (requests), and the request whose response is being received. */
  private unit: PendingExchange | null = null;
  private answering: PendingExchange | null = null;
  private readonly statements = new Map<string, string>();

  constructor(
    pid: number,
    fd: number,
    first: SocketEvent,
    requestDirection: 'egress' | 'ingress',
    sink: SessionSink,
    expectStartup: boolean,
  ) {
    super('postgresql', pid, fd, first, requestDirection, sink, '3.0');
    this.expectStartup = expectStartup;
    const cap = sink.maxMessageBufferBytes;
    this.frontend = new LengthFramer(
      {
        frameLength: (buf, off, avail) => this.frontendLength(buf, off, avail),
        startsMessage: (buf) => buf.length >= 5 && (buf[0] === Q || buf[0] === P || buf[0] === B),
        onMessage: (head, off, len, total, startNs) => this.onFrontend(head, off, len, total, startNs),
        onDesync: () => this.desync(),
      },
      cap,
    );
    this.backend = new LengthFramer(
      {
        frameLength: (buf, off, avail) => this.backendLength(buf, off, avail),
        startsMessage: (buf) => buf.length >= 5 && BACKEND[buf[0] as number] === 1,
        onMessage: (head, off, len, total, startNs, endNs) => this.onBackend(head, off, len, total, startNs, endNs),
        onDesync: (tsNs) => {
          this.desync();
          this.answering = null;
          this.dropUnanswered(tsNs);
        },
      },
      cap,
    );
  }

  protected feed(isRequest: boolean, data: Buffer, tsNs: bigint): void {
    if (this.encrypted) return;
    (isRequest ? this.frontend : this.backend).feed(data, tsNs);
  }

  protected gap(isRequest: boolean, len: number, tsNs: bigint): void {
    if (this.encrypted) return;
    (isRequest ? this.frontend : this.backend).gap(len, tsNs);
  }

  private frontendLength(buf: Buffer, off: number, avail: number): number {
    if (this.expectStartup) {
      if (avail < 8) return 0;
      const len = buf.readUInt32BE(off);
      const code = buf.readUInt32BE(off + 4);
      if (code === PROTOCOL_3_0 || code === SSL_REQUEST || code === GSSENC_REQUEST || code === CANCEL_REQUEST) {
        return len >= 8 && len <= MAX_STARTUP ? len : -1;
      }
      // Startup was before the tracer joined: typed messages from here on.
      this.expectStartup = false;
    }
    if (avail < 5) return 0;
    if (FRONTEND[buf[off] as number] !== 1) return -1;
    const len = buf.readUInt32BE(off + 1);
    return len >= 4 && len <= MAX_MESSAGE ? len + 1 : -1;
  }

  private backendLength(buf: Buffer, off: number, avail: number): number {
    if (this.expectEncryptionAnswer) {
      const c = buf[off];
      if (c === 0x4e || c === 0x53 || c === 0x47) return 1;
      this.expectEncryptionAnswer = false;
    }
    if (avail < 5) return 0;
    if (BACKEND[buf[off] as number] !== 1) return -1;
    const len = buf.readUInt32BE(off + 1);
    return len >= 4 && len <= MAX_MESSAGE ? len + 1 : -1;
  }

  private onFrontend(head: Buffer, off: number, len: number, total: number, startNs: bigint): void {
    if (this.expectStartup) {
      if (len < 8) return;
      const code = head.readUInt32BE(off + 4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.expectEncryptionAnswer = true;
        return;
      }
      if (code === CANCEL_REQUEST) return;
      this.expectStartup = false;
      this.readStartup(head, off + 8, off + len);
      const p = this.request(startNs, -1, 'STARTUP', '', this.database, '', total);
      p.silent = true;
      return;
    }
    const type = head[off] as number;
    const body = off + 5;
    const end = off + len;
    if (type === Q) {
      this.unit = null;
      const sql = asciiText(head, body, end, MAX_SQL);
      this.request(startNs, -1, sqlVerb(sql), sql, this.database, sqlEndpoint(sql), total);
      return;
    }
    if (type === X) return;
    if (type === F) {
      this.request(startNs, -1, 'FUNCTION', '', this.database, 'FUNCTION', total);
      return;
    }
    // Password/SASL messages belong to the startup exchange; CopyData etc. to the request in flight.
    if (type === 0x70 || type === 0x64 || type === 0x63 || type === 0x66) {
      const last = this.pending[this.pending.length - 1];
      if (last !== undefined) last.requestBytes += total;
      return;
    }
    // Extended query: the unit starts at its first message and ends at Sync.
    let unit = this.unit;
    if (unit === null) {
      unit = this.request(startNs, -1, '', '', this.database, '', 0);
      this.unit = unit;
    }
    unit.requestBytes += total;
    if (type === P) {
      const name = nulString(head, body, end, 64);
      const sql = asciiText(head, name.next, end, MAX_SQL);
      if (name.text !== '' && (this.statements.size < MAX_STATEMENTS || this.statements.has(name.text))) {
        this.statements.set(name.text, sql);
      }
      if (unit.path === '') this.describe(unit, sql);
    } else if (type === B && unit.path === '') {
      const portal = nulString(head, body, end, 64);
      const statement = nulString(head, portal.next, end, 64);
      const sql = this.statements.get(statement.text);
      if (sql !== undefined) this.describe(unit, sql);
    } else if (type === S) {
      if (unit.method === '') unit.method = 'SYNC';
      this.unit = null;
    }
  }

  private describe(unit: PendingExchange, sql: string): void {
    unit.path = sql;
    unit.method = sqlVerb(sql);
    unit.endpoint = sqlEndpoint(sql);
  }

  private readStartup(head: Buffer, start: number, end: number): void {
    let i = start;
    for (let n = 0; n < 32 && i < end && head[i] !== 0; n++) {
      const key = nulString(head, i, end, 64);
      const value = nulString(head, key.next, end, 128);
      if (key.text === 'database') this.database = value.text;
      i = value.next;
    }
  }

  private onBackend(head: Buffer, off: number, len: number, total: number, startNs: bigint, endNs: bigint): void {
    if (total === 1 && this.expectEncryptionAnswer) {
      this.expectEncryptionAnswer = false;
      if (head[off] !== 0x4e) {
        // 'S'/'G': TLS or GSS encryption from here on.
        this.encrypted = true;
        this.frontend.reset();
        this.backend.reset();
      }
      return;
    }
    const type = head[off] as number;
    let p = this.answering;
    if (p === null) {
      // Notices, notifications and parameter changes may arrive between requests.
      if ((type === N || type === A || type === S) && !this.pending.some((x) => !x.answered)) return;
      p = this.take(startNs) ?? null;
      if (p === null) return;
      this.answer(p, startNs, 0, 'ok', 0);
      this.answering = p;
    }
    p.responseBytes += total;
    p.responseEndNs = endNs;
    if (type === E && p.responseStatus === 'ok') {
      const state = this.errorState(head, off + 5, off + len);
      p.responseStatus = sqlStateStatus(state);
    } else if (type === Z) {
      this.answering = null;
      this.finish(p);
    }
  }

  /** SQLSTATE ('C' field) of an ErrorResponse. */
  private errorState(head: Buffer, start: number, end: number): string {
    let i = start;
    while (i < end && head[i] !== 0) {
      const field = head[i] as number;
      const value = nulString(head, i + 1, end, 16);
      if (field === 0x43) return value.text;
      i = value.next;
    }
    return '';
  }
}

/** Messages of one chunk chained exactly to its end, every type byte valid; returns the last type or -1. */
function chainsExactly(data: Buffer, types: Uint8Array): number {
  let i = 0;
  let last = -1;
  for (let n = 0; n < 64 && i < data.length; n++) {
    if (i + 5 > data.length || types[data[i] as number] !== 1) return -1;
    const len = data.readUInt32BE(i + 1);
    if (len < 4 || len > MAX_MESSAGE) return -1;
    last = data[i] as number;
    i += 1 + len;
  }
  return i === data.length ? last : -1;
}

function isUpperLetter(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
}

function detectPostgres(data: Buffer, totalLen: number): 'request' | 'response' | null {
  const n = data.length;
  if (n < 5 || n !== totalLen) return null;
  if (n >= 8 && data[0] === 0) {
    const len = data.readUInt32BE(0);
    const code = data.readUInt32BE(4);
    if (len !== n) return null;
    if ((code === SSL_REQUEST || code === GSSENC_REQUEST) && len === 8) return 'request';
    if (code === PROTOCOL_3_0 && len > 8 && len <= MAX_STARTUP && data[n - 1] === 0) return 'request';
    return null;
  }
  const first = data[0];
  if (first === Q || first === P) {
    if (chainsExactly(data, FRONTEND) < 0) return null;
    // A Query starts with SQL text; a Parse with a statement name then SQL.
    if (first === Q && !(isUpperLetter(data[5]) || data[5] === 0x28 || data[5] === 0x2f || data[5] === 0x2d))
      return null;
    return 'request';
  }
  if (first === 0x52 /* R */) {
    const len = data.readUInt32BE(1);
    if (len < 8 || n < 9) return null;
    const code = data.readUInt32BE(5);
    return code <= 12 && chainsExactly(data, BACKEND) >= 0 ? 'response' : null;
  }
  // Mid-connection: a whole response that ends with ReadyForQuery (idle / in transaction / failed).
  if (BACKEND[first as number] === 1 && n >= 6 && chainsExactly(data, BACKEND) === Z) {
    const status = data[n - 1];
    if (data.readUInt32BE(n - 5) === 5 && (status === 0x49 || status === 0x54 || status === 0x45)) return 'response';
  }
  return null;
}

export const POSTGRES_SPEC: ProtocolSpec = {
  protocol: 'postgresql',
  detect: detectPostgres,
  create: (pid, fd, first, requestDirection, sink) =>
    // Startup is only expected when the connection's first bytes are an untyped message.
    new PostgresSession(pid, fd, first, requestDirection, sink, first.data.length >= 8 && first.data[0] === 0),
};
