import type { SocketEvent } from '@bathyscope/native';
import type { HttpResponseStatus } from '../types';
import { asciiText, ExchangeSession, type PendingExchange, type SessionSink } from './exchange-session';
import { LengthFramer } from './length-framer';
import type { ProtocolSpec } from './protocol-spec';
import { sqlEndpoint, sqlVerb } from './sql-endpoint';

const COM_QUIT = 0x01;
const COM_INIT_DB = 0x02;
const COM_QUERY = 0x03;
const COM_PING = 0x0e;
const COM_STMT_PREPARE = 0x16;
const COM_STMT_EXECUTE = 0x17;
const COM_STMT_SEND_LONG_DATA = 0x18;
const COM_STMT_CLOSE = 0x19;
const CLIENT_SSL = 0x800;
const SERVER_MORE_RESULTS_EXISTS = 0x0008;
const MAX_SQL = 1024;
const MAX_STATEMENTS = 32;
/** A response whose end the packets do not tell (prepare) is emitted after this long without more packets. */
const RESPONSE_IDLE_NS = 1_000_000_000n;

const COMMAND_NAMES: Record<number, string> = {
  0: 'SLEEP',
  4: 'FIELD_LIST',
  5: 'CREATE_DB',
  6: 'DROP_DB',
  7: 'REFRESH',
  9: 'STATISTICS',
  10: 'PROCESS_INFO',
  12: 'PROCESS_KILL',
  13: 'DEBUG',
  [COM_PING]: 'PING',
  17: 'CHANGE_USER',
  26: 'STMT_RESET',
  27: 'SET_OPTION',
  28: 'STMT_FETCH',
  31: 'RESET_CONNECTION',
};

/** Server-side failures among common error codes (too many connections, lock wait timeout, deadlock, disk full…). */
const SERVER_ERROR_CODES = new Set([1021, 1037, 1038, 1040, 1041, 1053, 1077, 1078, 1079, 1080, 1205, 1213, 1290]);

function errorStatus(code: number): HttpResponseStatus {
  return SERVER_ERROR_CODES.has(code) ? 'server_error' : 'client_error';
}

const R_SINGLE = 0;
const R_RESULT = 1;
/** Prepare answers carry definitions whose count depends on the capability flags: ended by the next command. */
const R_OPEN = 2;

/** Length-encoded integer at `i`; returns the value and the next index (value -1 when it does not fit). */
function lenenc(buf: Buffer, i: number, end: number): [number, number] {
  if (i >= end) return [-1, end];
  const c = buf[i] as number;
  if (c < 0xfb) return [c, i + 1];
  if (c === 0xfc && i + 3 <= end) return [buf.readUInt16LE(i + 1), i + 3];
  if (c === 0xfd && i + 4 <= end) return [buf.readUIntLE(i + 1, 3), i + 4];
  if (c === 0xfe && i + 9 <= end) return [Number(buf.readBigUInt64LE(i + 1)), i + 9];
  return [-1, end];
}

/**
 * MySQL / MariaDB client/server protocol. A command is a client packet with sequence id 0; its response starts with
 * the server's next packet and ends with OK/ERR, or a result set's final EOF/OK (the `SERVER_MORE_RESULTS_EXISTS`
 * flag continues it). The handshake is tracked but not recorded; a switch to TLS stops the session. Prepared
 * statements are remembered by id, so `EXECUTE` records carry their SQL. Record: method = SQL verb (or the command
 * name), path = statement, endpoint = verb and table, status = error code of an ERR packet.
 */
export class MysqlSession extends ExchangeSession {
  private readonly client: LengthFramer;
  private readonly server: LengthFramer;
  private handshaking = false;
  private encrypted = false;
  private database = '';
  private answering: PendingExchange | null = null;
  private responseKind = R_SINGLE;
  private packetIndex = 0;
  private columnCount = 0;
  private preparing = '';
  private readonly statements = new Map<number, string>();

  constructor(pid: number, fd: number, first: SocketEvent, requestDirection: 'egress' | 'ingress', sink: SessionSink) {
    super('mysql', pid, fd, first, requestDirection, sink);
    const cap = sink.maxMessageBufferBytes;
    const frameLength = (buf: Buffer, off: number, avail: number): number =>
      avail < 4 ? 0 : buf.readUIntLE(off, 3) + 4;
    this.client = new LengthFramer(
      {
        frameLength,
        startsMessage: (buf) => buf.length >= 5 && buf[3] === 0 && buf.readUIntLE(0, 3) + 4 === buf.length,
        onMessage: (head, off, len, total, startNs) => this.onClient(head, off, len, total, startNs),
        onDesync: () => this.desync(),
      },
      cap,
    );
    this.server = new LengthFramer(
      {
        frameLength,
        startsMessage: (buf) => buf.length >= 5 && buf[3] === 1,
        onMessage: (head, off, len, total, startNs, endNs) => this.onServer(head, off, len, total, startNs, endNs),
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
    if (!this.encrypted) (isRequest ? this.client : this.server).feed(data, tsNs);
  }

  protected gap(isRequest: boolean, len: number, tsNs: bigint): void {
    if (!this.encrypted) (isRequest ? this.client : this.server).gap(len, tsNs);
  }

  protected override answeredIdleDone(p: PendingExchange, nowNs: bigint): boolean {
    if (nowNs - p.responseEndNs < RESPONSE_IDLE_NS) return false;
    if (this.answering === p) this.answering = null;
    return true;
  }

  private onClient(head: Buffer, off: number, len: number, total: number, startNs: bigint): void {
    const seq = head[off + 3] as number;
    const body = off + 4;
    const end = off + len;
    if (seq !== 0) {
      // Handshake response / auth data. A short one with CLIENT_SSL set asks for TLS: nothing more is readable.
      if (this.handshaking && seq === 1 && total === 36 && len >= 8 && (head.readUInt32LE(body) & CLIENT_SSL) !== 0) {
        this.encrypted = true;
      }
      return;
    }
    // A new command ends a response whose end the packets did not show.
    const open = this.answering;
    if (open !== null) {
      this.answering = null;
      this.finish(open);
    }
    if (len < 5) return;
    const cmd = head[body] as number;
    if (cmd === COM_QUIT || cmd === COM_STMT_CLOSE || cmd === COM_STMT_SEND_LONG_DATA) return;
    let method: string;
    let sql = '';
    let endpoint: string;
    if (cmd === COM_QUERY || cmd === COM_STMT_PREPARE) {
      let start = body + 1;
      // Query attributes (MySQL 8 CLIENT_QUERY_ATTRIBUTES): zero parameters, one parameter set.
      if (cmd === COM_QUERY && head[start] === 0 && head[start + 1] === 1) start += 2;
      sql = asciiText(head, start, end, MAX_SQL);
      method = cmd === COM_QUERY ? sqlVerb(sql) : 'PREPARE';
      endpoint = sqlEndpoint(sql);
      if (cmd === COM_STMT_PREPARE) this.preparing = sql;
    } else if (cmd === COM_STMT_EXECUTE) {
      const id = len >= 9 ? head.readUInt32LE(body + 1) : -1;
      sql = this.statements.get(id) ?? '';
      method = 'EXECUTE';
      endpoint = sql === '' ? 'EXECUTE' : sqlEndpoint(sql);
    } else if (cmd === COM_INIT_DB) {
      this.database = asciiText(head, body + 1, end, 64);
      method = 'USE';
      sql = `USE ${this.database}`;
      endpoint = 'USE';
    } else {
      method = COMMAND_NAMES[cmd] ?? `COM_${cmd}`;
      endpoint = method;
    }
    this.request(startNs, cmd, method, sql, this.database, endpoint, total);
  }

  private onServer(head: Buffer, off: number, len: number, total: number, startNs: bigint, endNs: bigint): void {
    const seq = head[off + 3] as number;
    const body = off + 4;
    const end = off + len;
    const first = len > 4 ? (head[body] as number) : -1;
    if (seq === 0 && first === 0x0a && this.answering === null) {
      this.handshaking = true;
      return;
    }
    if (this.handshaking) {
      // Auth switch / more data continue the handshake; OK or ERR ends it.
      if (first === 0x00 || first === 0xff) this.handshaking = false;
      return;
    }
    let p = this.answering;
    if (p === null) {
      p = this.take(startNs) ?? null;
      if (p === null) return;
      this.answering = p;
      this.packetIndex = 0;
      const payloadLen = total - 4;
      if (first === 0xff) {
        const code = len >= 7 ? head.readUInt16LE(body + 1) : 0;
        this.answer(p, startNs, code, errorStatus(code), 0);
        this.responseKind = R_SINGLE;
      } else {
        this.answer(p, startNs, 0, 'ok', 0);
        if (p.key === COM_STMT_PREPARE && first === 0x00) {
          if (len >= 9) this.rememberStatement(head.readUInt32LE(body + 1));
          this.responseKind = R_OPEN;
        } else if (first === 0x00 || (first === 0xfe && payloadLen < 9)) {
          this.responseKind = R_SINGLE;
        } else {
          this.responseKind = R_RESULT;
          this.columnCount = lenenc(head, body, end)[0];
        }
      }
    }
    p.responseBytes += total;
    p.responseEndNs = endNs;
    const index = this.packetIndex++;
    if (this.responseKind === R_OPEN) return;
    if (this.responseKind === R_SINGLE || first === 0xff) {
      if (first === 0xff && p.responseStatus === 'ok') {
        const code = len >= 7 ? head.readUInt16LE(body + 1) : 0;
        p.status = code;
        p.responseStatus = errorStatus(code);
      }
      if (this.moreResults(head, body, end, first)) {
        this.responseKind = R_RESULT;
        this.packetIndex = 0;
        return;
      }
      this.answering = null;
      this.finish(p);
      return;
    }
    // Result set: [column count] [column definitions] [EOF, old protocol] rows… EOF/OK.
    if (index === 0) {
      this.columnCount = lenenc(head, body, end)[0];
      return;
    }
    if (first !== 0xfe || total - 4 >= 0xffffff || index <= this.columnCount) return;
    // Right after the columns a 5-byte EOF is the old protocol's separator; an OK (>= 7 bytes) ends an empty set.
    if (index === this.columnCount + 1 && total - 4 === 5) return;
    if (this.moreResults(head, body, end, first)) {
      this.packetIndex = 0;
      return;
    }
    this.answering = null;
    this.finish(p);
  }

  private rememberStatement(id: number): void {
    if (this.statements.size < MAX_STATEMENTS || this.statements.has(id)) this.statements.set(id, this.preparing);
  }

  /** Status flags of an OK/EOF packet say another result set follows. */
  private moreResults(head: Buffer, body: number, end: number, first: number): boolean {
    let status = 0;
    if (first === 0xfe && end - body === 5) status = head.readUInt16LE(body + 3);
    else if (first === 0x00 || first === 0xfe) {
      const [, afterRows] = lenenc(head, body + 1, end);
      const [, afterId] = lenenc(head, afterRows, end);
      if (afterId + 2 <= end) status = head.readUInt16LE(afterId);
    }
    return (status & SERVER_MORE_RESULTS_EXISTS) !== 0;
  }
}

function detectMysql(data: Buffer, totalLen: number): 'request' | 'response' | null {
  const n = data.length;
  if (n < 6 || n !== totalLen || data.readUIntLE(0, 3) + 4 !== n || data[3] !== 0) return null;
  const first = data[4] as number;
  if (first === 0x0a) {
    // Server greeting: protocol 10, then a NUL-terminated version string starting with a digit.
    const d = data[5] as number;
    if (d < 0x31 || d > 0x39) return null;
    const nul = data.indexOf(0, 5);
    if (nul < 0 || nul > 64) return null;
    for (let i = 5; i < nul; i++) if ((data[i] as number) < 0x20 || (data[i] as number) > 0x7e) return null;
    return 'response';
  }
  if ((first === COM_QUERY || first === COM_STMT_PREPARE) && n >= 8) {
    for (let i = 5; i < 8; i++) {
      const c = (data[i] as number) | 0x20;
      if (c < 0x61 || c > 0x7a) return null;
    }
    return 'request';
  }
  return null;
}

export const MYSQL_SPEC: ProtocolSpec = {
  protocol: 'mysql',
  detect: detectMysql,
  create: (pid, fd, first, requestDirection, sink) => new MysqlSession(pid, fd, first, requestDirection, sink),
};
