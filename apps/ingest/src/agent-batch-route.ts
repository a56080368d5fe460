import { gunzipSync } from 'node:zlib';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { type IngestErrorCode, PROTOBUF_CONTENT_TYPE, WireDecodeError } from '@bathyscope/wire';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentAuthenticator, AgentIdentity } from './agent-auth';
import { type InsertCoalescer, StorageBacklogError } from './coalescing/insert-coalescer';
import type { IngestMetrics } from './ingest-metrics';
import { InsertLane } from './insert-lane';
import { InvalidRowError } from './l7-rows';
import type { Admission, OverloadGuard } from './overload-guard';
import type { TenantQuota } from './tenant-quota';

const STREAM_RE = /^[a-z0-9_-]{1,32}$/;
/** Agents add jitter; one second is long enough for in-flight inserts to drain. */
const OVERLOADED_RETRY_AFTER_S = 1;

export interface AgentBatchRouteDeps {
  ch: ClickHouseHandle;
  auth: AgentAuthenticator;
  metrics: IngestMetrics;
  guard: OverloadGuard;
  quota: TenantQuota;
  maxBatchBytes: number;
  /**
   * Per-table batchers with a write-ahead log (embedded mode): batches of many agents share inserts. Without it each
   * batch is its own insert, deduplicated by ClickHouse on its token.
   */
  coalescer?: InsertCoalescer;
}

/** One insert of a batch: its rows go to `table` under their own deduplication token. */
export interface BatchInsert {
  table: string;
  values: readonly object[];
  token: string;
}

/** What differs between the agent's batch kinds (`/v1/l7`, `/v1/profiles`, `/v1/host-metrics`, …). */
export interface AgentBatchKind<B extends { stream: string; seq: number }, R> {
  path: string;
  /** Names the batch in errors and logs. */
  label: string;
  decode(payload: Buffer): B;
  /** Rows the agent sent (for the rejected-rows counter before conversion succeeded). */
  wireRows(batch: B): number;
  /** Validates the whole batch (throwing InvalidRowError at the first bad row) and builds the storage rows. */
  toRows(batch: B, identity: AgentIdentity, nowUs: number): R;
  rowCount(rows: R): number;
  /** Runs after the quota is charged and before the insert (AutoTagging); a failure answers 503 and the agent retries. */
  prepare?(rows: R, batch: B, identity: AgentIdentity): Promise<void>;
  /** The inserts, in order; `token` is the batch's (agent, stream, seq) deduplication token. */
  inserts(rows: R, token: string): BatchInsert[];
  /** The 200 answer's body. */
  answer(rows: R, batch: B): object;
}

export function fail(reply: FastifyReply, status: number, code: IngestErrorCode, message: string, extra = {}) {
  return reply.code(status).send({ error: { code, message, ...extra } });
}

/** What the onRequest hook learnt from the headers, for the handler. */
interface Admitted {
  identity: AgentIdentity;
  admission: Admission;
  handlerRunning: boolean;
  responseClosed: boolean;
}

type Reject = (status: number, code: IngestErrorCode, message: string, rows?: number, extra?: object) => FastifyReply;

/**
 * The path every agent batch takes. Everything that needs only the headers happens before the body is read: the
 * overload guard reserves the announced body size (so a full gateway refuses without buffering anything) and the
 * credential names the agent and tenant (never the payload). Then: decompress (bounded), decode, validate the whole
 * batch, charge the tenant's quota, prepare (tag), insert with the (agent, stream, seq) deduplication token, and
 * answer 200 only after ClickHouse committed every insert of the batch.
 */
export function registerAgentBatchRoute<B extends { stream: string; seq: number }, R>(
  app: FastifyInstance,
  deps: AgentBatchRouteDeps,
  kind: AgentBatchKind<B, R>,
): void {
  const { ch, auth, metrics, guard, quota, maxBatchBytes, coalescer } = deps;
  // One insert at a time into embedded ClickHouse (it runs one statement at a time anyway, and interleaving was
  // measured slower); a server takes a few in parallel.
  const lane = new InsertLane(ch.mode === 'embedded' ? 1 : 4);
  const admitted = new WeakMap<FastifyRequest, Admitted>();

  const refuse = (
    reply: FastifyReply,
    status: number,
    code: IngestErrorCode,
    message: string,
    rows = 0,
    extra = {},
  ) => {
    metrics.rejectedBatches.inc({ reason: code });
    if (rows > 0) metrics.rejectedRows.inc({ reason: code }, rows);
    return fail(reply, status, code, message, extra);
  };

  const onRequest = async (req: FastifyRequest, reply: FastifyReply) => {
    const announced = Number(req.headers['content-length']);
    // Without a length (chunked, or HTTP/2 without content-length) the body may grow to the limit: reserve that.
    // Over the limit, reserve nothing: the body parser answers 413 without reading it.
    const reserve = Number.isSafeInteger(announced) && announced >= 0 ? announced : maxBatchBytes;
    const admission = guard.admit(reserve > maxBatchBytes ? 0 : reserve);
    if (!admission) {
      reply.header('retry-after', String(OVERLOADED_RETRY_AFTER_S));
      return refuse(reply, 503, 'OVERLOADED', 'the gateway is at capacity, retry later');
    }
    const state: Partial<Admitted> = { admission, handlerRunning: false, responseClosed: false };
    // The reservation lasts until the answer is gone and the handler is done: an agent that times out and
    // disconnects must not free memory that an insert still holds.
    reply.raw.once('close', () => {
      state.responseClosed = true;
      if (!state.handlerRunning) admission.release();
    });
    const result = await auth.authenticate(req.headers.authorization);
    if (!result.ok) return refuse(reply, result.code === 'AGENT_REVOKED' ? 403 : 401, result.code, result.message);
    state.identity = result.agent;
    admitted.set(req, state as Admitted);
  };

  app.post(kind.path, { onRequest }, async (req, reply) => {
    const state = admitted.get(req);
    if (!state) throw new Error(`${kind.label} batch reached the handler without admission`);
    state.handlerRunning = true;
    const started = process.hrtime.bigint();
    let outcome = 'accepted';
    const reject: Reject = (status, code, message, rows = 0, extra = {}) => {
      outcome = code;
      return refuse(reply, status, code, message, rows, extra);
    };
    try {
      return await handle(req, reply, state, reject);
    } finally {
      metrics.batchSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      state.handlerRunning = false;
      if (state.responseClosed) state.admission.release();
    }
  });

  /** One insert per batch, deduplicated by ClickHouse on the batch's own token. */
  async function insertAlone(insert: BatchInsert): Promise<'stored'> {
    await lane.run(async () => {
      // Timed inside the lane: the metric is ClickHouse's insert latency, not the wait for a turn.
      const insertStarted = process.hrtime.bigint();
      try {
        await ch.client.insert({
          table: `${ch.database}.${insert.table}`,
          values: insert.values as object[],
          format: 'JSONEachRow',
          clickhouse_settings: { insert_deduplication_token: insert.token },
        });
      } finally {
        metrics.insertSeconds.observe({ table: insert.table }, Number(process.hrtime.bigint() - insertStarted) / 1e9);
      }
    });
    return 'stored';
  }

  async function handle(req: FastifyRequest, reply: FastifyReply, { identity, admission }: Admitted, reject: Reject) {
    if (req.headers['content-type'] !== PROTOBUF_CONTENT_TYPE) {
      return reject(415, 'UNSUPPORTED_MEDIA_TYPE', `expected ${PROTOBUF_CONTENT_TYPE}`);
    }
    let payload = req.body as Buffer;
    const encoding = req.headers['content-encoding'];
    if (encoding === 'gzip') {
      // The decompressed payload sits next to the body until the insert is done, so it is charged too; what
      // inflating can allocate before that is bounded by one batch limit.
      try {
        // maxOutputLength stops a decompression bomb before it allocates.
        payload = gunzipSync(payload, { maxOutputLength: maxBatchBytes });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
          return reject(413, 'PAYLOAD_TOO_LARGE', `decompressed batch exceeds ${maxBatchBytes} bytes`);
        }
        return reject(400, 'MALFORMED_BATCH', `invalid gzip body: ${(err as Error).message}`);
      }
      if (!admission.grow(payload.length)) {
        reply.header('retry-after', String(OVERLOADED_RETRY_AFTER_S));
        return reject(503, 'OVERLOADED', 'the gateway is at capacity, retry later');
      }
    } else if (encoding !== undefined && encoding !== 'identity') {
      return reject(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported content-encoding ${encoding}`);
    }

    let batch: B;
    try {
      batch = kind.decode(payload);
    } catch (err) {
      if (err instanceof WireDecodeError) return reject(400, 'MALFORMED_BATCH', err.message);
      throw err;
    }
    if (!STREAM_RE.test(batch.stream)) return reject(400, 'MALFORMED_BATCH', 'stream must match [a-z0-9_-]{1,32}');
    if (!Number.isSafeInteger(batch.seq) || batch.seq < 0)
      return reject(400, 'MALFORMED_BATCH', 'seq must be a non-negative integer');

    let rows: R;
    try {
      rows = kind.toRows(batch, identity, Date.now() * 1000);
    } catch (err) {
      if (err instanceof InvalidRowError) {
        return reject(422, 'INVALID_ROW', err.message, kind.wireRows(batch), { row: err.rowIndex, field: err.field });
      }
      throw err;
    }
    const rowCount = kind.rowCount(rows);

    // Charged after validation: a refused batch costs the tenant nothing, and a retried duplicate is charged again
    // (the gateway cannot know it is one before ClickHouse deduplicates it).
    const verdict = await quota.take(identity.tenantId, identity.plan, rowCount, payload.length);
    if (!verdict.ok) {
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      return reject(429, 'QUOTA_EXCEEDED', `tenant ${verdict.limit} per second quota exceeded`, rowCount, {
        limit: verdict.limit,
      });
    }

    if (rowCount > 0 && kind.prepare) {
      try {
        await kind.prepare(rows, batch, identity);
      } catch (err) {
        // Tags are part of the stored row and cannot be added later: refuse, and the agent's retry tags it.
        req.log.error({ err }, `${kind.label}: preparing rows failed`);
        reply.header('retry-after', '5');
        return reject(503, 'STORAGE_UNAVAILABLE', 'resource tagging is unavailable, retry later', rowCount);
      }
    }

    const token = `${identity.agentId}:${batch.stream}:${batch.seq}`;
    for (const insert of kind.inserts(rows, token)) {
      if (insert.values.length === 0) continue;
      try {
        const outcome = coalescer
          ? await coalescer.submit(insert.table, insert.token, insert.values)
          : await insertAlone(insert);
        if (outcome === 'stored') metrics.acceptedRows.inc({ table: insert.table }, insert.values.length);
      } catch (err) {
        if (!(err instanceof StorageBacklogError)) req.log.error({ err }, 'clickhouse insert failed');
        reply.header('retry-after', '5');
        return reject(503, 'STORAGE_UNAVAILABLE', 'storage is unavailable, retry later', rowCount);
      }
    }
    return kind.answer(rows, batch);
  }
}
