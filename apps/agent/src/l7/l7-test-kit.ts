/**
 * Builders shared by the l7 specs and the benchmark (not used at runtime): socket events as the tracer
 * would deliver them, and a listener that records what a parser reported.
 */
import type { SocketEvent } from '@bathyscope/native';
import type { Http1Parser, Http1ParserListener, Http1RequestHead } from './http1-parser';

export function socketEvent(fields: Partial<SocketEvent> & Pick<SocketEvent, 'direction'>): SocketEvent {
  const data = fields.data ?? Buffer.alloc(0);
  return {
    kind: 'data',
    tsNs: 0n,
    pid: 100,
    tid: 100,
    fd: 5,
    sockId: 0xabcn,
    comm: 'app',
    family: 4,
    localAddr: '10.0.0.1',
    localPort: 40000,
    remoteAddr: '10.0.0.2',
    remotePort: 80,
    totalLen: data.length,
    ...fields,
    data,
  };
}

/**
 * One process's view of one TCP connection. `client: true` means this process connected (local port is
 * ephemeral); writes are egress, reads ingress. `write`/`read` take strings or Buffers and an optional
 * `totalLen` larger than the data to simulate a capture cap.
 */
export class SocketView {
  constructor(
    readonly base: Partial<SocketEvent>,
    private readonly push: (ev: SocketEvent) => void,
  ) {}

  write(tsNs: bigint, data: string | Buffer, totalLen?: number): void {
    this.data('egress', tsNs, data, totalLen);
  }

  read(tsNs: bigint, data: string | Buffer, totalLen?: number): void {
    this.data('ingress', tsNs, data, totalLen);
  }

  close(tsNs: bigint): void {
    this.push(socketEvent({ ...this.base, kind: 'close', direction: 'egress', tsNs, totalLen: 0 }));
  }

  private data(direction: 'egress' | 'ingress', tsNs: bigint, data: string | Buffer, totalLen?: number): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.push(socketEvent({ ...this.base, direction, tsNs, data: buf, totalLen: totalLen ?? buf.length }));
  }
}

/** A loopback exchange seen from both processes: a client socket (pid 100) and the server's accepted socket (pid 200). */
export function loopbackPair(push: (ev: SocketEvent) => void, n = 0): { client: SocketView; server: SocketView } {
  const clientPort = 50000 + n;
  return {
    client: new SocketView(
      {
        pid: 100,
        tid: 101,
        fd: 7 + n,
        sockId: 0x1000n + BigInt(n),
        comm: 'curl',
        localAddr: '127.0.0.1',
        localPort: clientPort,
        remoteAddr: '127.0.0.1',
        remotePort: 8080,
      },
      push,
    ),
    server: new SocketView(
      {
        pid: 200,
        tid: 201,
        fd: 9 + n,
        sockId: 0x2000n + BigInt(n),
        comm: 'nginx',
        localAddr: '127.0.0.1',
        localPort: 8080,
        remoteAddr: '127.0.0.1',
        remotePort: clientPort,
      },
      push,
    ),
  };
}

export type ParserEvent =
  | { type: 'detect'; kind: string }
  | { type: 'request'; method: string; path: string; host: string; startNs: bigint; head: Http1RequestHead }
  | { type: 'response'; status: number; startNs: bigint }
  | { type: 'end'; bytes: number; endNs: bigint; complete: boolean }
  | { type: 'desync'; tsNs: bigint };

/** Records parser callbacks; `methods` answers onResponseHead like a pairing would (FIFO of request methods). */
export class RecordingListener implements Http1ParserListener {
  readonly events: ParserEvent[] = [];
  readonly methods: string[] = [];

  onDetect(_p: Http1Parser, kind: 'request' | 'response' | 'none'): void {
    this.events.push({ type: 'detect', kind });
  }

  onRequestHead(_p: Http1Parser, head: Http1RequestHead, startNs: bigint): void {
    this.events.push({ type: 'request', method: head.method, path: head.path, host: head.host, startNs, head });
  }

  onResponseHead(_p: Http1Parser, status: number, startNs: bigint): string {
    this.events.push({ type: 'response', status, startNs });
    if (status >= 100 && status < 200 && status !== 101) return this.methods[0] ?? '';
    return this.methods.shift() ?? '';
  }

  onMessageEnd(_p: Http1Parser, bytes: number, endNs: bigint, complete: boolean): void {
    this.events.push({ type: 'end', bytes, endNs, complete });
  }

  onDesync(_p: Http1Parser, tsNs: bigint): void {
    this.events.push({ type: 'desync', tsNs });
  }

  of<T extends ParserEvent['type']>(type: T): Extract<ParserEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ParserEvent, { type: T }> => e.type === type);
  }
}

/** Splits `buf` into pieces at the given cut points (sorted, deduplicated, clamped). */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(buf.length, c))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of points) {
    if (c > prev) out.push(buf.subarray(prev, c));
    prev = c;
  }
  if (prev < buf.length) out.push(buf.subarray(prev));
  return out;
}

export const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
