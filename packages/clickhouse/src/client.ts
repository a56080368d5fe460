import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { BathyscopeConfig } from '@bathyscope/config';
import { assertTarget, quote } from './ddl/render';

export type { ClickHouseClient } from '@clickhouse/client';

type ChdbCompatibleConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface ClickHouseHandle {
  client: ClickHouseClient;
  /** Database holding Bathyscope tables. */
  database: string;
  mode: 'embedded' | 'server';
  /** Cluster the DDL targets (`ON CLUSTER`, Replicated tables, Distributed tables); undefined for one node. */
  cluster?: string;
  close(): Promise<void>;
}

/**
 * One code path for both modes: embedded chDB plugs into the official client as a Connection, a server is
 * reached by URL. chDB binds one data directory per process, so exactly one process (the server role) may
 * open the embedded store.
 */
export async function openClickHouse(
  config: Pick<BathyscopeConfig, 'clickhouseUrl' | 'clickhouseDatabase' | 'stateDir'> & {
    /** CLICKHOUSE_CLUSTER: a `remote_servers` cluster name or a macro such as `{cluster}`. */
    clickhouseCluster?: string;
  },
): Promise<ClickHouseHandle> {
  const database = config.clickhouseDatabase;
  const cluster = config.clickhouseCluster || undefined;
  assertTarget({ database, cluster });
  if (cluster !== undefined && !config.clickhouseUrl) {
    throw new Error('CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL: embedded ClickHouse is a single node');
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
    const connection = withSessionResets(
      createChdbConnection({ path: dataDir }) as unknown as ChdbCompatibleConnection,
    );
    client = createClient({ connection });
    mode = 'embedded';
  }
  const onCluster = cluster === undefined ? '' : ` ON CLUSTER ${quote(cluster)}`;
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}${onCluster}` });
  return {
    client,
    database,
    mode,
    ...(cluster === undefined ? {} : { cluster }),
    close: () => client.close(),
  };
}

/**
 * Settings chDB would otherwise keep for every later statement, with the value that means "not set".
 * chDB's connection applies `clickhouse_settings` as session `SET`s (a server applies them per request), so an
 * agent batch's `insert_deduplication_token` stayed in force and the next insert without one — into any table —
 * reused it and could be silently dropped as a duplicate. Every call through the embedded connection states these
 * explicitly, overridden by what the caller passes.
 */
export const EMBEDDED_SESSION_RESETS: Readonly<Record<string, string>> = { insert_deduplication_token: '' };

type SettingsParams = { clickhouse_settings?: Record<string, unknown> };

function withSessionResets(connection: ChdbCompatibleConnection): ChdbCompatibleConnection {
  const reset = <P extends SettingsParams>(params: P): P => ({
    ...params,
    clickhouse_settings: { ...EMBEDDED_SESSION_RESETS, ...params.clickhouse_settings },
  });
  const c = connection as unknown as Record<string, (p: SettingsParams) => unknown>;
  for (const method of ['query', 'insert', 'command', 'exec'] as const) {
    const original = c[method]?.bind(connection);
    if (original) c[method] = (params: SettingsParams) => original(reset(params));
  }
  return connection;
}
