import { gunzipSync } from 'node:zlib';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { loadConfig } from '@bathyscope/config';
import type { PrismaClient } from '@bathyscope/db';
import {
  AGENT_CHECKIN_PATH,
  AGENT_TOKEN_PATH,
  decodeL7RequestBatch,
  ENROLL_PATH,
  INGEST_L7_PATH,
  type IngestErrorCode,
  PROTOBUF_CONTENT_TYPE,
  WireDecodeError,
} from '@bathyscope/wire';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { AgentAuthenticator } from './agent-auth';
import { loadAgentTokenKey } from './agent-token-key';
import { registerCheckinRoute } from './checkin';
import { registerEnrollmentRoutes } from './enrollment';
import { FailureLimiter } from './failure-limiter';
import { GatewayRegistry, type GatewayRegistryOptions, listenUrl } from './gateway-registry';
import { GroupConfigCache, type GroupConfigCacheOptions } from './group-config-cache';
import { IngestMetrics } from './ingest-metrics';
import { InvalidRowError, toL7FlowLogRows } from './l7-rows';
import { CheckinStatusWriter, type StatusWriterOptions } from './status-writer';

export interface IngestServerOptions {
  ch: ClickHouseHandle;
  prisma: PrismaClient;
  /** Largest accepted batch after decompression. The compressed body is capped at the same size. */
  maxBatchBytes: number;
  logger?: boolean;
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
}

const STREAM_RE = /^[a-z0-9_-]{1,32}$/;

function fail(reply: FastifyReply, status: number, code: IngestErrorCode, message: string, extra = {}) {
  return reply.code(status).send({ error: { code, message, ...extra } });
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

  app.post(INGEST_L7_PATH, async (req, reply) => {
    const started = process.hrtime.bigint();
    const reject = (status: number, code: IngestErrorCode, message: string, rows = 0, extra = {}) => {
      metrics.rejectedBatches.inc({ reason: code });
      if (rows > 0) metrics.rejectedRows.inc({ reason: code }, rows);
      return fail(reply, status, code, message, extra);
    };

    const identity = await auth.authenticate(req.headers.authorization);
    if (!identity.ok) return reject(identity.code === 'AGENT_REVOKED' ? 403 : 401, identity.code, identity.message);

    if (req.headers['content-type'] !== PROTOBUF_CONTENT_TYPE) {
      return reject(415, 'UNSUPPORTED_MEDIA_TYPE', `expected ${PROTOBUF_CONTENT_TYPE}`);
    }
    let payload = req.body as Buffer;
    const encoding = req.headers['content-encoding'];
    if (encoding === 'gzip') {
      try {
        // maxOutputLength stops a decompression bomb before it allocates.
        payload = gunzipSync(payload, { maxOutputLength: maxBatchBytes });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
          return reject(413, 'PAYLOAD_TOO_LARGE', `decompressed batch exceeds ${maxBatchBytes} bytes`);
        }
        return reject(400, 'MALFORMED_BATCH', `invalid gzip body: ${(err as Error).message}`);
      }
    } else if (encoding !== undefined && encoding !== 'identity') {
      return reject(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported content-encoding ${encoding}`);
    }

    let batch: ReturnType<typeof decodeL7RequestBatch>;
    try {
      batch = decodeL7RequestBatch(payload);
    } catch (err) {
      if (err instanceof WireDecodeError) return reject(400, 'MALFORMED_BATCH', err.message);
      throw err;
    }
    if (!STREAM_RE.test(batch.stream)) return reject(400, 'MALFORMED_BATCH', 'stream must match [a-z0-9_-]{1,32}');
    if (!Number.isSafeInteger(batch.seq) || batch.seq < 0)
      return reject(400, 'MALFORMED_BATCH', 'seq must be a non-negative integer');

    let rows: ReturnType<typeof toL7FlowLogRows>;
    try {
      rows = toL7FlowLogRows(batch, identity.agent, Date.now() * 1000);
    } catch (err) {
      if (err instanceof InvalidRowError) {
        return reject(422, 'INVALID_ROW', err.message, batch.rows.length, { row: err.rowIndex, field: err.field });
      }
      throw err;
    }

    if (rows.length > 0) {
      const insertStarted = process.hrtime.bigint();
      try {
        await ch.client.insert({
          table: `${ch.database}.l7_flow_log`,
          values: rows,
          format: 'JSONEachRow',
          clickhouse_settings: {
            insert_deduplication_token: `${identity.agent.agentId}:${batch.stream}:${batch.seq}`,
          },
        });
      } catch (err) {
        req.log.error({ err }, 'clickhouse insert failed');
        reply.header('retry-after', '5');
        return reject(503, 'STORAGE_UNAVAILABLE', 'storage is unavailable, retry later', rows.length);
      }
      metrics.insertSeconds.observe({ table: 'l7_flow_log' }, Number(process.hrtime.bigint() - insertStarted) / 1e9);
      metrics.acceptedRows.inc({ table: 'l7_flow_log' }, rows.length);
    }
    metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return { accepted: rows.length, seq: batch.seq };
  });

  return { app, metrics, statusWriter, gateways };
}
