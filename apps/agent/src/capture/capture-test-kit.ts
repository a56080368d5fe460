/**
 * Builders for the capture and configuration specs (not used at runtime): a capture backend that records what it
 * was told, and the socket events of whole HTTP exchanges on chosen ports.
 */
import type { SocketEvent } from '@bathyscope/native';
import { SocketView } from '../l7/l7-test-kit';
import type { CaptureBackend } from './capture-switch';

/** Delivers events only while attached, like the tracer; counts attaches and detaches. */
export class RecordingBackend implements CaptureBackend {
  attaches = 0;
  detaches = 0;
  failNextAttach: string | null = null;
  private onEvents: ((events: SocketEvent[]) => void) | undefined;

  async attach(onEvents: (events: SocketEvent[]) => void): Promise<void> {
    this.attaches++;
    await new Promise((r) => setImmediate(r));
    if (this.failNextAttach) {
      const why = this.failNextAttach;
      this.failNextAttach = null;
      throw new Error(why);
    }
    this.onEvents = onEvents;
  }

  detach(): void {
    this.detaches++;
    this.onEvents = undefined;
  }

  get attached(): boolean {
    return this.onEvents !== undefined;
  }

  programs(): string[] {
    return this.attached ? ['tracepoint/syscalls/sys_enter_read', 'tracepoint/syscalls/sys_exit_read'] : [];
  }

  /** What the kernel would deliver: nothing when detached. */
  deliver(events: SocketEvent[]): void {
    this.onEvents?.(events);
  }
}

let nextConnection = 0;

/**
 * One keep-alive connection from a client (pid 100) to a server (pid 200) on `serverPort`, carrying `paths` as
 * GETs with their 200 answers, seen from both processes; `headers` are added to each request.
 */
export function exchangeEvents(
  serverPort: number,
  paths: string[],
  options: {
    headers?: string;
    clientAddr?: string;
    /** Request/response payloads of another protocol, sent instead of HTTP/1 requests for `paths`. */
    messages?: readonly [request: string, response: string][];
  } = {},
): SocketEvent[] {
  const n = nextConnection++;
  const clientPort = 20000 + (n % 40000);
  const clientAddr = options.clientAddr ?? '127.0.0.1';
  const events: SocketEvent[] = [];
  const push = (e: SocketEvent) => events.push(e);
  const client = new SocketView(
    {
      pid: 100,
      tid: 101,
      fd: 1000 + n,
      sockId: BigInt(0x100000 + n),
      comm: 'curl',
      localAddr: clientAddr,
      localPort: clientPort,
      remoteAddr: '127.0.0.1',
      remotePort: serverPort,
    },
    push,
  );
  const server = new SocketView(
    {
      pid: 200,
      tid: 201,
      fd: 2000 + n,
      sockId: BigInt(0x200000 + n),
      comm: 'server',
      localAddr: '127.0.0.1',
      localPort: serverPort,
      remoteAddr: clientAddr,
      remotePort: clientPort,
    },
    push,
  );
  let t = BigInt(n) * 1_000_000n;
  const exchanges =
    options.messages ??
    paths.map((p): [string, string] => [
      `GET ${p} HTTP/1.1\r\nHost: h\r\n${options.headers ?? ''}\r\n`,
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    ]);
  for (const [req, res] of exchanges) {
    client.write(t + 10n, req);
    server.read(t + 20n, req);
    server.write(t + 30n, res);
    client.read(t + 40n, res);
    t += 40n;
  }
  return events;
}
