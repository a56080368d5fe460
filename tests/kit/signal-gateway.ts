import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ClickHouseHandle, migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import { createIngestServer, type IngestServer } from '@bathyscope/ingest';
import { testPrisma } from './fixtures';

/**
 * A real ingest gateway (createIngestServer, the same code the server runs) with its own embedded ClickHouse, in
 * the test process: the stack's server owns its chDB directory, and there is no read path for OTLP spans or
 * Prometheus samples yet, so tests that must read what real clients wrote run the gateway next to the store they
 * query. Authentication uses the stack's Postgres, so fixtures' agents and API keys are valid here.
 */
export interface SignalGateway {
  url: string;
  ch: ClickHouseHandle;
  server: IngestServer;
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  metric(name: string, labels: string): Promise<number>;
  close(): Promise<void>;
}

export async function startSignalGateway(maxBatchBytes = 1 << 20): Promise<SignalGateway> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bathyscope-signals-'));
  const ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'bathyscope', clickhouseUrl: undefined });
  await migrateClickHouse(ch);
  const server = createIngestServer({
    ch,
    prisma: testPrisma(),
    maxBatchBytes,
    accessTokenKey: randomBytes(32),
    checkin: { register: false },
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('gateway has no address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    ch,
    server,
    async query<T>(sql: string, params: Record<string, unknown> = {}) {
      const rs = await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return (await rs.json()) as T[];
    },
    async metric(name: string, labels: string) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line ? Number(line.split(' ').at(-1)) : 0;
    },
    async close() {
      await server.app.close();
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
