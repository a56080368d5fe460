import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { SignalReceiverConfig } from '@bathyscope/wire';
import { type ForwarderOptions, SignalForwarder } from './signal-forwarder';
import {
  acceptedAnswer,
  errorAnswer,
  FORWARDED_HEADERS,
  type LocalAnswer,
  mediaType,
  parseListenAddress,
  SIGNAL_ROUTES,
  type SignalRoute,
  snappyLength,
} from './local-protocol';

const gunzipAsync = promisify(gunzip);

/** Below the gateway's 8 MiB batch limit, so what passes here is not refused there for its size. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Bodies being read at once, on top of the forwarder's queue: bounds memory whatever the number of clients. */
const DEFAULT_MAX_READING_BYTES = 16 * 1024 * 1024;
/** A listen that failed (port taken, address not on this host) is tried again this often. */
const RELISTEN_MS = 30_000;

export interface SignalReceiverOptions extends ForwarderOptions {
  /**
   * Host override (`--signal-receiver`): an address to listen on whatever the group says, or `off` to never listen.
   * Undefined: the group configuration decides.
   */
  override?: string;
  /** Largest body, compressed and decompressed (default 4 MiB). */
  maxBodyBytes?: number;
  maxReadingBytes?: number;
}

/**
 * The agent's local OTLP/HTTP and Prometheus remote_write endpoint: `POST /v1/traces`, `/v1/metrics` (protobuf or
 * JSON, optionally gzip) and `/api/v1/write` (snappy protobuf). Off unless the group configuration or the host flag
 * turns it on — no listening socket otherwise. Requests are checked here for what needs no decoding (route, method,
 * content type, encoding, compressed and decompressed size), answered at once, and forwarded unchanged by the
 * SignalForwarder with the agent's credential; the gateway decodes, validates and stores them under the agent's
 * tenant. Clients authenticate to nothing here: whatever reaches the port writes as this agent, hence loopback by
 * default.
 */
export class SignalReceiver {
  readonly forwarder: SignalForwarder;
  private readonly maxBody: number;
  private readonly maxReading: number;
  private server: http.Server | null = null;
  /** `host:port` wanted (null: off) and whether it is bound. */
  private wanted: string | null = null;
  private bound: string | null = null;
  private listenError: string | null = null;
  private relistenTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private reading = 0;
  private closed = false;
  readonly counts = { received: 0, refused: 0 };

  constructor(private readonly options: SignalReceiverOptions) {
    this.forwarder = new SignalForwarder(options);
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxReading = options.maxReadingBytes ?? DEFAULT_MAX_READING_BYTES;
  }

  /** The address bound right now (`host:port`, the real port when 0 was asked), or null. */
  get address(): string | null {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!this.bound || !a) return null;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Why the receiver is wanted but not listening, for the status' problems. */
  get problem(): string | null {
    return this.listenError;
  }

  /** Follows the group configuration (the host override wins). Resolves once the listener is as wanted or failed. */
  async apply(config: SignalReceiverConfig | undefined): Promise<void> {
    if (this.closed) return;
    const override = this.options.override;
    const wanted = override === 'off' ? null : (override ?? (config?.enabled ? config.listen : null));
    if (wanted === this.wanted && (wanted === null || this.bound === wanted)) return;
    this.wanted = wanted;
    await this.reconcile();
  }

  counters(): Record<string, number> {
    const f = this.forwarder.stats;
    return {
      'signals.listening': this.bound ? 1 : 0,
      'signals.received': this.counts.received,
      'signals.refused': this.counts.refused,
      'signals.forwarded': f.forwarded,
      'signals.dropped': f.dropped,
      'signals.queued': f.queued,
    };
  }

  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wanted = null;
    await this.reconcile();
    await this.forwarder.close(graceMs);
  }

  /** One reconciliation at a time: a check-in can apply a configuration while the start-up one is still binding. */
  private reconcile(): Promise<void> {
    this.reconciling = this.reconciling
      .then(() => this.reconcileNow())
      .catch((err: Error) => {
        this.listenError = `signal receiver: ${err.message}`;
      });
    return this.reconciling;
  }

  private async reconcileNow(): Promise<void> {
    clearTimeout(this.relistenTimer);
    this.relistenTimer = undefined;
    if (this.server && this.bound !== this.wanted) {
      console.log(`agent: signal receiver on ${this.address} closed`);
      const server = this.server;
      this.server = null;
      this.bound = null;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    const wanted = this.wanted;
    if (wanted === null) this.listenError = null;
    if (wanted === null || this.bound === wanted) return;
    const address = parseListenAddress(wanted);
    if (!address) {
      this.listenError = `signal receiver: "${wanted}" is not host:port`;
      return;
    }
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.maxHeadersCount = 100;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, address.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const first = this.listenError === null;
      this.listenError = `signal receiver cannot listen on ${wanted}: ${(err as Error).message}`;
      if (first) console.error(`agent: ${this.listenError}; retrying every ${RELISTEN_MS / 1000} s`);
      this.relistenTimer = setTimeout(() => void this.reconcile(), RELISTEN_MS);
      this.relistenTimer.unref();
      return;
    }
    // The configuration may have changed while binding.
    if (this.wanted !== wanted || this.closed) {
      server.close();
      return;
    }
    this.listenError = null;
    server.on('error', (err) => {
      this.listenError = `signal receiver on ${wanted} failed: ${err.message}`;
    });
    this.server = server;
    this.bound = wanted;
    console.log(`agent: receiving OTLP/HTTP and Prometheus remote_write on ${this.address}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const route = SIGNAL_ROUTES[(req.url ?? '').split('?')[0] as string];
    const json = mediaType(req.headers['content-type']) === 'application/json';
    const answer = (a: LocalAnswer, closeAfter = false) => {
      if (a.status >= 300) this.counts.refused++;
      // Closing at once would reset a client still sending the refused body (EPIPE, no answer): read and drop the
      // rest instead, bounded, and keep the connection.
      if (closeAfter) discardRest(req);
      res.writeHead(a.status, { ...a.headers, 'content-length': String(a.body.length) });
      res.end(a.body);
    };
    const refuse = (status: number, code: string, message: string, closeAfter = false) =>
      answer(errorAnswer(route, json, status, code, message), closeAfter);

    if (!route) return refuse(404, 'NOT_FOUND', 'POST /v1/traces, /v1/metrics or /api/v1/write');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return refuse(405, 'METHOD_NOT_ALLOWED', 'only POST');
    }
    const type = mediaType(req.headers['content-type']);
    if (!route.types.includes(type)) {
      return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', `content-type must be ${route.types.join(' or ')}`);
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (!(route.encodings as readonly string[]).includes(encoding)) {
      return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', `content-encoding must be ${route.encodings.join(' or ')}`);
    }
    const announced = Number(req.headers['content-length']);
    if (Number.isFinite(announced) && announced > this.maxBody) {
      return refuse(413, 'PAYLOAD_TOO_LARGE', `body over ${this.maxBody} bytes`, true);
    }
    const reserve = Number.isSafeInteger(announced) && announced >= 0 ? announced : this.maxBody;
    if (this.reading + reserve > this.maxReading) {
      res.setHeader('retry-after', '1');
      return refuse(503, 'OVERLOADED', 'the agent is receiving too much at once, retry later', true);
    }
    this.reading += reserve;
    let body: Buffer | 'too_large' | 'aborted';
    try {
      body = await readBounded(req, this.maxBody);
    } finally {
      this.reading -= reserve;
    }
    // A client that hung up gets no answer, and nothing was accepted from it.
    if (body === 'aborted') return;
    if (body === 'too_large') return refuse(413, 'PAYLOAD_TOO_LARGE', `body over ${this.maxBody} bytes`, true);

    const problem = await this.checkDecodedSize(route, encoding, body);
    if (problem) return refuse(problem.status, problem.code, problem.message);

    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (!this.forwarder.offer({ path: route.path, headers, body })) {
      res.setHeader('retry-after', String(this.forwarder.retryAfterSeconds));
      return refuse(503, 'UNAVAILABLE', 'the agent is waiting for its gateway and its queue is full, retry later');
    }
    this.counts.received++;
    return answer(acceptedAnswer(route, json));
  }

  /** A decompression bomb is refused here rather than forwarded: gzip inflates up to the limit, snappy says its size. */
  private async checkDecodedSize(
    route: SignalRoute,
    encoding: string,
    body: Buffer,
  ): Promise<{ status: number; code: string; message: string } | null> {
    if (encoding === 'snappy' || route.protocol === 'remote_write') {
      const length = snappyLength(body);
      if (length < 0) return { status: 400, code: 'MALFORMED_BATCH', message: 'invalid snappy header' };
      if (length > this.maxBody)
        return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `decompressed body over ${this.maxBody} bytes` };
      return null;
    }
    if (encoding === 'gzip') {
      try {
        await gunzipAsync(body, { maxOutputLength: this.maxBody });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
          return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `decompressed body over ${this.maxBody} bytes` };
        }
        return { status: 400, code: 'MALFORMED_BATCH', message: `invalid gzip body: ${(err as Error).message}` };
      }
    }
    return null;
  }
}

/** The whole body, or `too_large` as soon as it passes `max` (the rest is not buffered). */
function readBounded(req: http.IncomingMessage, max: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | 'too_large' | 'aborted') => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        // Stop reading: the answer closes the connection.
        req.pause();
        finish('too_large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(Buffer.concat(chunks, size)));
    req.once('error', () => finish('aborted'));
    req.once('close', () => finish(req.complete ? Buffer.concat(chunks, size) : 'aborted'));
  });
}

/** What a refused client may still send before its connection is cut, and for how long. */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;

/**
 * Reads and drops the rest of a refused request's body, so a client still sending it reads the answer instead of a
 * reset (EPIPE) — bounded in bytes and time, after which the connection is cut.
 */
function discardRest(req: http.IncomingMessage): void {
  if (req.complete) return;
  let discarded = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, DISCARD_MAX_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) cut();
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
