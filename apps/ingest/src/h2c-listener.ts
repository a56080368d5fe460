import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface H2cListener {
  address: AddressInfo;
  close(): Promise<void>;
}

/**
 * A second listener speaking HTTP/2 cleartext with prior knowledge (h2c), served by the same Fastify instance
 * (`app.routing`): one set of routes, hooks, limits, overload guard and metrics for both protocols.
 *
 * Why a second port: Fastify serves one protocol per server (`http2: true` drops HTTP/1.1), and serving both on
 * one port needs ALPN, i.e. TLS in the gateway — which production terminates at the load balancer, and which the
 * embedded mode does not have. h2c prior knowledge is what a load balancer or a gRPC-style client speaks to a
 * cleartext backend; agents that speak HTTP/1.1 keep the main port.
 */
export async function listenH2c(app: FastifyInstance, port: number, host: string): Promise<H2cListener> {
  // Fastify types its router for the HTTP/1 server it was built with; the compat request/response of node:http2 is
  // what Fastify itself hands the same router when built with `http2: true`.
  const routing = app.routing as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  const server = http2.createServer({ maxSessionMemory: 64 }, routing);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        // GOAWAY lets streams in progress finish; the server stops accepting new sessions at once.
        for (const session of sessions) session.close();
        server.close(() => resolve());
      }),
  };
}
