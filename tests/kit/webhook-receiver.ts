import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  /** The status this request was answered with. */
  answered: number;
}

/** How the receiver answers the n-th request (0-based) to a path: status and extra headers. */
export type Script = (n: number) => { status: number; headers?: Record<string, string>; delayMs?: number };

/**
 * A real webhook receiver on loopback, as a customer would run one: records every request with its raw body and
 * answers per path from a script (default 200), so tests can make a destination fail, ask for a retry, or go away.
 */
export async function startWebhookReceiver() {
  const received: ReceivedWebhook[] = [];
  const scripts = new Map<string, Script>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = received.filter((r) => r.path === path).length;
      const answer = scripts.get(path)?.(n) ?? { status: 200 };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({
        path,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answered: answer.status,
      });
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(`answered ${answer.status}`);
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    script: (path: string, s: Script) => scripts.set(path, s),
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
