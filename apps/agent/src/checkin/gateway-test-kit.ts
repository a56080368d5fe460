/**
 * A small HTTP server that speaks the gateway's side of check-in and L7 shipping for the agent's unit specs (not
 * used at runtime). The real gateway is exercised by tests/e2e/agent-config.spec.ts; this one lets a spec choose
 * answers the real one gives rarely (refusals, revocation, a move to another gateway) and see exactly what the
 * agent sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  AGENT_CHECKIN_PATH,
  type AgentCheckinStatus,
  type AgentConfig,
  DEFAULT_AGENT_CONFIG,
  decodeL7RequestBatch,
  INGEST_L7_PATH,
  type L7Request,
} from '@bathyscope/wire';

export interface SeenCheckin {
  status: AgentCheckinStatus;
  ifNoneMatch: string | undefined;
  authorization: string | undefined;
  answered: number;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

export class TestGateway {
  readonly checkins: SeenCheckin[] = [];
  readonly rows: L7Request[] = [];
  /** The configuration the gateway hands out; bump `version` to publish a change. */
  version = 0;
  config: unknown = DEFAULT_AGENT_CONFIG;
  gatewayId = 1;
  ingestUrl: string;
  /** Overrides the normal answer to the next check-ins (e.g. 401, 403). */
  override: ((seen: SeenCheckin) => Answer | undefined) | undefined;
  /** Status code for L7 batches (200 accepts). */
  l7Status = 200;
  /** Overrides the answer to L7 batches (e.g. 429 with Retry-After); undefined lets the batch through. */
  l7Override: ((seq: number) => Answer | undefined) | undefined;
  /** Every L7 attempt: its seq, rows, when it arrived and how it was answered. */
  readonly l7Attempts: { seq: number; rows: number; at: number; status: number }[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    this.ingestUrl = url;
  }

  static async start(): Promise<TestGateway> {
    let gateway: TestGateway | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => (gateway as TestGateway).handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    gateway = new TestGateway(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return gateway;
  }

  get etag(): string {
    return `"v${this.version}-g${this.gatewayId}"`;
  }

  publish(version: number, config: unknown, ingestUrl = this.ingestUrl): void {
    this.version = version;
    this.config = config;
    this.ingestUrl = ingestUrl;
  }

  setConfig(version: number, patch: (c: AgentConfig) => void): void {
    const c = structuredClone(DEFAULT_AGENT_CONFIG);
    patch(c);
    this.publish(version, c);
  }

  /** Resolves with the first check-in (from now on) that satisfies `ok`. */
  async waitForCheckin(ok: (c: SeenCheckin) => boolean = () => true, timeoutMs = 10_000): Promise<SeenCheckin> {
    const from = this.checkins.length;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.checkins.slice(from).find(ok);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no matching check-in in ${timeoutMs} ms; last: ${JSON.stringify(this.checkins.at(-1))}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const send = (a: Answer) => {
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body === undefined ? undefined : JSON.stringify(a.body));
    };
    if (req.method === 'POST' && req.url === INGEST_L7_PATH) {
      const batch = decodeL7RequestBatch(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
      const attempt = { seq: batch.seq, rows: batch.rows.length, at: Date.now(), status: this.l7Status };
      this.l7Attempts.push(attempt);
      if (this.l7Status !== 200) {
        send({ status: this.l7Status, body: { error: { code: 'X', message: 'no' } } });
        return;
      }
      const override = this.l7Override?.(batch.seq);
      if (override) {
        attempt.status = override.status;
        send(override);
        return;
      }
      this.rows.push(...batch.rows);
      send({ status: 200, body: { accepted: batch.rows.length, seq: batch.seq } });
      return;
    }
    if (req.method === 'POST' && req.url === AGENT_CHECKIN_PATH) {
      const seen: SeenCheckin = {
        status: JSON.parse(body.toString('utf8')) as AgentCheckinStatus,
        ifNoneMatch: req.headers['if-none-match'],
        authorization: req.headers.authorization,
        answered: 0,
      };
      const answer =
        this.override?.(seen) ??
        (seen.ifNoneMatch === this.etag
          ? { status: 304 }
          : {
              status: 200,
              headers: { etag: this.etag },
              body: { configVersion: this.version, config: this.config, ingestUrl: this.ingestUrl, etag: this.etag },
            });
      seen.answered = answer.status;
      this.checkins.push(seen);
      send(answer);
      return;
    }
    send({ status: 404, body: { error: { code: 'NOT_FOUND', message: req.url } } });
  }
}
