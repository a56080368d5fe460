import * as path from 'node:path';

/**
 * Settings shared by every Bathyscope process, read from the environment once.
 * Embedded mode (the default) keeps all state under one directory; distributed mode points at
 * external services by URL.
 */
export interface BathyscopeConfig {
  /** Root of all local state: chDB data, embedded Postgres, agent spool, logs. */
  stateDir: string;
  databaseUrl: string | undefined;
  redisUrl: string;
  /** ClickHouse server URL; undefined means embedded chDB under `stateDir/clickhouse`. */
  clickhouseUrl: string | undefined;
  clickhouseDatabase: string;
  /** ClickHouse cluster name (CLICKHOUSE_CLUSTER): DDL goes ON CLUSTER with Replicated/Distributed tables. */
  clickhouseCluster: string | undefined;
  apiHost: string;
  apiPort: number;
  ingestHost: string;
  ingestPort: number;
  webPort: number;
  /** Public URL of the API (SSO redirect URIs). */
  apiPublicUrl: string;
  /** Public URL of the console, used in emailed links. */
  webUrl: string;
  /** Maximum accepted (decompressed) ingest batch size. */
  ingestMaxBatchBytes: number;
  /** Ingest URL handed to enrolling agents; undefined: the address they reached the gateway at. */
  ingestPublicUrl: string | undefined;
  /** Failed enrollment / access-token requests per client address and minute before 429 (per gateway process). */
  ingestAuthFailuresPerMin: number;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

/** Repository root, found from this file's location (packages/config/dist/index.js). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BathyscopeConfig {
  const stateDir = path.resolve(env.BATHYSCOPE_STATE_DIR ?? path.join(repoRoot, '.state'));
  return {
    stateDir,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseDatabase: env.CLICKHOUSE_DATABASE || 'bathyscope',
    clickhouseCluster: env.CLICKHOUSE_CLUSTER || undefined,
    apiHost: env.API_HOST || '127.0.0.1',
    apiPort: intFromEnv(env, 'API_PORT', 4000),
    ingestHost: env.INGEST_HOST || '127.0.0.1',
    ingestPort: intFromEnv(env, 'INGEST_PORT', 4001),
    webPort: intFromEnv(env, 'WEB_PORT', 3000),
    apiPublicUrl: (env.API_PUBLIC_URL || `http://127.0.0.1:${intFromEnv(env, 'API_PORT', 4000)}`).replace(/\/$/, ''),
    webUrl: (env.WEB_URL || `http://127.0.0.1:${intFromEnv(env, 'WEB_PORT', 3000)}`).replace(/\/$/, ''),
    ingestMaxBatchBytes: intFromEnv(env, 'INGEST_MAX_BATCH_BYTES', 8 * 1024 * 1024),
    ingestPublicUrl: env.INGEST_PUBLIC_URL ? env.INGEST_PUBLIC_URL.replace(/\/$/, '') : undefined,
    ingestAuthFailuresPerMin: intFromEnv(env, 'INGEST_AUTH_FAILURES_PER_MIN', 30),
  };
}
