import type { AddressInfo } from 'node:net';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { loadConfig } from '@bathyscope/config';
import type { PrismaClient } from '@bathyscope/db';
import {
  AGENT_CHECKIN_PATH,
  AGENT_TOKEN_PATH,
  ENROLL_PATH,
  type IngestErrorCode,
  PROTOBUF_CONTENT_TYPE,
} from '@bathyscope/wire';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AgentAuthenticator } from './agent-auth';
import { InsertCoalescer } from './coalescing/insert-coalescer';
import { InsertWal } from './coalescing/insert-wal';
import { loadAgentTokenKey } from './agent-token-key';
import { registerCheckinRoute } from './checkin';
import { registerEnrollmentRoutes } from './enrollment';
import { FailureLimiter } from './failure-limiter';
import { GatewayRegistry, type GatewayRegistryOptions, listenUrl } from './gateway-registry';
import { GroupConfigCache, type GroupConfigCacheOptions } from './group-config-cache';
import { type H2cListener, listenH2c } from './h2c-listener';
import { registerFlowRoute } from './flows/flow-route';
import { registerHostMetricsRoute } from './host-metrics-route';
import { IngestMetrics } from './ingest-metrics';
import { InsertLane } from './insert-lane';
import { fail, registerL7Route } from './l7-route';
import { registerProfileRoute } from './profile-route';
import { OverloadGuard } from './overload-guard';
import { standardSignalRoutes } from './signals/standard-signals';
import { CheckinStatusWriter, type StatusWriterOptions } from './status-writer';
import { namesAnnouncer, ResourceInvalidations } from './tagging/invalidation';
import { ResourceTagger } from './tagging/l7-tagger';
import { TenantQuota, type TenantQuotaOptions } from './tenant-quota';

export interface IngestServerOptions {
  ch: ClickHouseHandle;
  prisma: PrismaClient;
  /** Largest accepted batch after decompression. The compressed body is capped at the same size. */
  maxBatchBytes: number;
  logger?: boolean;
  /**
   * Shared store of the per-tenant quota buckets. Without it (or while it is unreachable) batches are admitted
   * unchecked and counted as `bathyscope_ingest_quota_checks_total{outcome="unavailable"}`.
   */
  redis?: Redis;
  /** Quotas per plan and burst (default: INGEST_QUOTA_* from the environment). */
  quotas?: Pick<TenantQuotaOptions, 'quotas' | 'burstSeconds'>;
  /** Global bounds before 503 OVERLOADED (default: INGEST_MAX_INFLIGHT_BYTES, INGEST_MAX_PENDING_BATCHES). */
  overload?: { maxInflightBytes: number; maxPendingBatches: number };
  /**
   * Per-table batchers with a write-ahead log in `walDir` (see coalescing/): agent batches share inserts of up to
   * `maxRows` rows or `maxWaitMs`. Only for a gateway that is the one writer of its WAL directory — the server
   * process in embedded mode passes it; without it every agent batch is its own insert.
   */
  coalesce?: { walDir: string; maxRows: number; maxWaitMs: number };
  /** HMAC key of agent access tokens; default: BATHYSCOPE_AGENT_TOKEN_KEY or `<state>/agent-token.key`. */
  accessTokenKey?: Buffer;
  /** Ingest URL handed to enrolling agents (INGEST_PUBLIC_URL); default: the address they reached us at. */
  publicUrl?: string;
  /** Failed enrollment / token requests per address and minute (INGEST_AUTH_FAILURES_PER_MIN, 30). */
  authFailuresPerMinute?: number;
  /** Check-in tuning (defaults: config cache 2 s, status writes every 1 s, gateway heartbeat 10 s / list 5 s). */
  checkin?: {
    configCache?: GroupConfigCacheOptions;
    statusWriter?: StatusWriterOptions;
    gateways?: GatewayRegistryOptions;
    /** Register in IngestGateway when listening (default true). */
    register?: boolean;
  };
}

export interface IngestServer {
  app: FastifyInstance;
  metrics: IngestMetrics;
  /** Check-in internals, exposed for benchmarks and tests (e.g. `statusWriter.flush()`). */
  statusWriter: CheckinStatusWriter;
  gateways: GatewayRegistry;
  /** Global overload bound (in-flight bytes and pending batches). */
  guard: OverloadGuard;
  quota: TenantQuota;
  /** Opens the HTTP/2 cleartext (h2c) listener next to the HTTP/1.1 one (INGEST_H2_PORT); closed with `app`. */
  listenH2(port: number, host: string): Promise<AddressInfo>;
}

/**
 * The tenant-scoped ingest gateway. Each batch is authenticated (agent credential → tenant), decoded,
 * validated as a whole and written to ClickHouse; the agent gets 200 only after the insert committed, and a
 * retry of the same (agent, stream, seq) is deduplicated by ClickHouse. Agents check in here too (checkin.ts).
 *
 * Lifecycle: on ready the gateway starts following the healthy gateways and writing check-in statuses; on listen
 * it registers itself (INGEST_PUBLIC_URL, else its listen address) and heartbeats; on close it deregisters and
 * writes the statuses still pending. `app.inject()` alone never registers a gateway.
 */
export function createIngestServer(options: IngestServerOptions): IngestServer {
  const { ch, prisma, maxBatchBytes } = options;
  const metrics = new IngestMetrics();
  const config = loadConfig();
  const accessTokenKey = options.accessTokenKey ?? loadAgentTokenKey(config.stateDir);
  const auth = new AgentAuthenticator(prisma, { accessTokenKey });
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: maxBatchBytes,
    // Unknown fields are refused, not silently stripped (Fastify's default), and "5" is not a number.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });

  app.addContentTypeParser(PROTOBUF_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: maxBatchBytes }, (_req, body, done) =>
    done(null, body),
  );

  // Fastify's own errors (body too large, unsupported content type) get the same error shape and counters.
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = error.statusCode ?? 500;
    const route = req.routeOptions?.url;
    if ((route === ENROLL_PATH || route === AGENT_TOKEN_PATH || route === AGENT_CHECKIN_PATH) && status < 500) {
      // A JSON control request, not a batch (e.g. a body that is not JSON).
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST';
      const counter =
        route === ENROLL_PATH
          ? metrics.enrollments
          : route === AGENT_TOKEN_PATH
            ? metrics.accessTokens
            : metrics.checkins;
      counter.inc({ outcome: code });
      return fail(reply, status, code, error.message);
    }
    if (error.code === 'FST_ERR_VALIDATION') {
      metrics.rejectedBatches.inc({ reason: 'MALFORMED_BATCH' });
      return fail(reply, 400, 'MALFORMED_BATCH', error.message);
    }
    const code: IngestErrorCode =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status < 500
            ? 'MALFORMED_BATCH'
            : 'STORAGE_UNAVAILABLE';
    metrics.rejectedBatches.inc({ reason: code });
    return fail(reply, status, code, error.message);
  });

  app.get('/healthz', async () => ({ ok: true }));
  const overload = options.overload ?? {
    maxInflightBytes: config.ingestMaxInflightBytes,
    maxPendingBatches: config.ingestMaxPendingBatches,
  };
  const guard = new OverloadGuard(overload.maxInflightBytes, overload.maxPendingBatches, metrics);
  const quota = new TenantQuota(
    options.redis,
    options.quotas ?? { quotas: config.ingestQuotas, burstSeconds: config.ingestQuotaBurstSeconds },
    metrics.quotaChecks,
    (err) => app.log.warn({ err }, 'quota check failed: admitting unchecked'),
  );
  const publicUrl = options.publicUrl ?? config.ingestPublicUrl;
  const logTo = (err: unknown, message: string) => app.log.error({ err }, message);
  const statusWriter = new CheckinStatusWriter(prisma, metrics, options.checkin?.statusWriter, logTo);
  const gateways = new GatewayRegistry(prisma, metrics, options.checkin?.gateways, logTo);
  registerCheckinRoute(app, {
    auth,
    metrics,
    configs: new GroupConfigCache(prisma, options.checkin?.configCache),
    writer: statusWriter,
    gateways,
    publicUrl,
  });
  app.addHook('onReady', async () => {
    statusWriter.start();
    await gateways.follow();
  });
  app.addHook('onListen', async () => {
    if (options.checkin?.register === false) return;
    const address = app.addresses().find((a) => typeof a === 'object');
    const url =
      publicUrl ?? (address && typeof address === 'object' ? listenUrl(address.address, address.port) : undefined);
    if (!url) return;
    await gateways.register(url);
  });
  app.addHook('onClose', async () => {
    await gateways.close();
    await statusWriter.close();
  });
  registerEnrollmentRoutes(app, {
    prisma,
    metrics,
    accessTokenKey,
    limiter: new FailureLimiter(options.authFailuresPerMinute ?? config.ingestAuthFailuresPerMin),
    publicUrl,
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const publisher = options.redis;
  const tagger = new ResourceTagger(
    prisma,
    ch,
    publisher ? { onMirrored: namesAnnouncer((channel, message) => publisher.publish(channel, message)) } : {},
  );
  if (options.redis) {
    const invalidations = new ResourceInvalidations(options.redis.duplicate(), tagger, (err) =>
      app.log.warn({ err }, 'resource invalidation channel: falling back to periodic reloads'),
    );
    app.addHook('onReady', () => invalidations.start());
    app.addHook('onClose', () => invalidations.close());
  }
  let coalescer: InsertCoalescer | undefined;
  if (options.coalesce) {
    const { walDir, maxRows, maxWaitMs } = options.coalesce;
    const lane = new InsertLane(ch.mode === 'embedded' ? 1 : 4);
    coalescer = new InsertCoalescer(ch, new InsertWal(walDir), lane, metrics, { maxRows, maxWaitMs, log: logTo });
    const recovering = coalescer;
    // Before the first batch is accepted: what a crash left in the WAL goes in first.
    app.addHook('onReady', async () => {
      const { replayed, torn } = await recovering.recover();
      if (replayed + torn > 0) app.log.warn(`insert WAL: ${replayed} block(s) replayed, ${torn} torn block(s) dropped`);
    });
    app.addHook('onClose', () => recovering.close());
  }
  const batchDeps = { ch, auth, metrics, guard, quota, tagger, maxBatchBytes, coalescer };
  registerL7Route(app, batchDeps);
  registerProfileRoute(app, batchDeps);
  registerHostMetricsRoute(app, batchDeps);
  registerFlowRoute(app, batchDeps);
  app.register(standardSignalRoutes, { ch, prisma, agents: auth, metrics, maxBatchBytes, guard, quota, tagger });

  let h2c: H2cListener | undefined;
  const listenH2 = async (port: number, host: string) => {
    if (h2c) throw new Error('the HTTP/2 listener is already open');
    h2c = await listenH2c(app, port, host);
    return h2c.address;
  };
  app.addHook('onClose', async () => {
    await h2c?.close();
  });

  return { app, metrics, statusWriter, gateways, guard, quota, listenH2 };
}
