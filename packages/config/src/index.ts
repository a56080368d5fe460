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
  /** Per-tenant ingest quotas by plan (`INGEST_QUOTA_<PLAN>_ROWS_PER_SEC` / `_BYTES_PER_SEC`; 0 = unlimited). */
  ingestQuotas: Record<IngestPlan, IngestQuota>;
  /** Bucket depth in seconds of quota: how large a burst a tenant may send after being idle. */
  ingestQuotaBurstSeconds: number;
  /** Batch bytes (compressed + decompressed) the gateway holds at once before answering 503 OVERLOADED. */
  ingestMaxInflightBytes: number;
  /** Batches between receipt and answer (most of them waiting for ClickHouse) before answering 503 OVERLOADED. */
  ingestMaxPendingBatches: number;
  /** Second listener speaking HTTP/2 cleartext (h2c, prior knowledge); undefined: none. */
  ingestH2Port: number | undefined;
  /**
   * Per-table batchers with a write-ahead log (INGEST_COALESCE): `auto` turns them on in embedded mode, where the
   * server process is the only gateway; `on` elsewhere needs each gateway process to have its own state directory.
   */
  ingestCoalesce: 'auto' | 'on' | 'off';
  /** A coalesced block closes at this many rows (INGEST_COALESCE_MAX_ROWS)… */
  ingestCoalesceMaxRows: number;
  /** …and at the latest this long after its first batch, even while the table's previous insert runs. */
  ingestCoalesceMaxWaitMs: number;
}

export const INGEST_PLANS = ['free', 'team', 'enterprise'] as const;
export type IngestPlan = (typeof INGEST_PLANS)[number];

export interface IngestQuota {
  /** Rows per second a tenant may write, summed over its agents and gateways; 0 = unlimited. */
  rowsPerSec: number;
  /** Decompressed batch bytes per second; 0 = unlimited. */
  bytesPerSec: number;
}

/** Plan defaults: a free tenant is a handful of hosts, enterprise the ~2 cores' worth of a whole gateway fleet. */
export const DEFAULT_INGEST_QUOTAS: Record<IngestPlan, IngestQuota> = {
  free: { rowsPerSec: 20_000, bytesPerSec: 8 * 1024 * 1024 },
  team: { rowsPerSec: 200_000, bytesPerSec: 64 * 1024 * 1024 },
  enterprise: { rowsPerSec: 2_000_000, bytesPerSec: 512 * 1024 * 1024 },
};

function coalesceMode(raw: string | undefined): BathyscopeConfig['ingestCoalesce'] {
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (raw === 'on' || raw === '1') return 'on';
  if (raw === 'off' || raw === '0') return 'off';
  throw new Error(`INGEST_COALESCE must be auto, on or off, got "${raw}"`);
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
    ingestQuotas: Object.fromEntries(
      INGEST_PLANS.map((plan) => {
        const d = DEFAULT_INGEST_QUOTAS[plan];
        const prefix = `INGEST_QUOTA_${plan.toUpperCase()}`;
        return [
          plan,
          {
            rowsPerSec: intFromEnv(env, `${prefix}_ROWS_PER_SEC`, d.rowsPerSec),
            bytesPerSec: intFromEnv(env, `${prefix}_BYTES_PER_SEC`, d.bytesPerSec),
          },
        ];
      }),
    ) as Record<IngestPlan, IngestQuota>,
    ingestQuotaBurstSeconds: Math.max(1, intFromEnv(env, 'INGEST_QUOTA_BURST_SECONDS', 2)),
    ingestMaxInflightBytes: intFromEnv(env, 'INGEST_MAX_INFLIGHT_BYTES', 256 * 1024 * 1024),
    ingestMaxPendingBatches: intFromEnv(env, 'INGEST_MAX_PENDING_BATCHES', 256),
    ingestH2Port: env.INGEST_H2_PORT ? intFromEnv(env, 'INGEST_H2_PORT', 0) : undefined,
    ingestCoalesce: coalesceMode(env.INGEST_COALESCE),
    ingestCoalesceMaxRows: Math.max(1, intFromEnv(env, 'INGEST_COALESCE_MAX_ROWS', 10_000)),
    ingestCoalesceMaxWaitMs: intFromEnv(env, 'INGEST_COALESCE_MAX_WAIT_MS', 1000),
  };
}
