import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { BathyscopeConfig } from '@bathyscope/config';

export type { ClickHouseClient } from '@clickhouse/client';

type ChdbCompatibleConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface ClickHouseHandle {
  client: ClickHouseClient;
  /** Database holding Bathyscope tables. */
  database: string;
  mode: 'embedded' | 'server';
  close(): Promise<void>;
}

/**
 * One code path for both modes: embedded chDB plugs into the official client as a Connection, a server is
 * reached by URL. chDB binds one data directory per process, so exactly one process (the server role) may
 * open the embedded store.
 */
export async function openClickHouse(
  config: Pick<BathyscopeConfig, 'clickhouseUrl' | 'clickhouseDatabase' | 'stateDir'>,
): Promise<ClickHouseHandle> {
  const database = config.clickhouseDatabase;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`CLICKHOUSE_DATABASE must be an identifier, got "${database}"`);
  }
  let client: ClickHouseClient;
  let mode: ClickHouseHandle['mode'];
  if (config.clickhouseUrl) {
    client = createClient({ url: config.clickhouseUrl, request_timeout: 60_000 });
    mode = 'server';
  } else {
    const dataDir = path.join(config.stateDir, 'clickhouse');
    fs.mkdirSync(dataDir, { recursive: true });
    // Loaded lazily: the 500 MB engine is only mapped by the process that owns embedded storage.
    const { createChdbConnection } = require('chdb/connection') as typeof import('chdb/connection');
    // chdb is typed against its own copy of @clickhouse/client-common; the runtime interface is the same.
    const connection = createChdbConnection({ path: dataDir }) as unknown as ChdbCompatibleConnection;
    client = createClient({ connection });
    mode = 'embedded';
  }
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  return {
    client,
    database,
    mode,
    close: () => client.close(),
  };
}
