import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Admission, OverloadGuard } from '../overload-guard';
import type { TenantQuota } from '../tenant-quota';
import type { TenantIdentity } from './signal-auth';
import { SignalError } from './signal-error';

/** As on /v1/l7: senders add jitter, and a second is long enough for in-flight inserts to drain. */
export const OVERLOADED_RETRY_AFTER_S = 1;

const overloaded = () =>
  new SignalError(503, 'OVERLOADED', 'the gateway is at capacity, retry later', OVERLOADED_RETRY_AFTER_S);

interface Held {
  admission: Admission;
  handlerRunning: boolean;
  responseClosed: boolean;
}

/**
 * The gateway's global overload guard and per-tenant quotas on the standard-signal routes, with the same rules as
 * agent batches (`l7-route.ts`): the guard reserves the announced body before it is read (a full gateway buffers
 * nothing), the decompressed payload is charged on top, and the reservation lasts until both the answer is gone and
 * the handler is done. The quota is charged after validation, so a refused request costs the tenant nothing; it is
 * the same bucket the tenant's agents draw from.
 */
export class SignalAdmission {
  private readonly held = new WeakMap<FastifyRequest, Held>();

  constructor(
    private readonly guard: OverloadGuard,
    private readonly quota: TenantQuota,
    private readonly maxBytes: number,
  ) {}

  /** onRequest: reserves the announced body, or throws 503 OVERLOADED before anything is read. */
  admit(req: FastifyRequest, reply: FastifyReply): void {
    const announced = Number(req.headers['content-length']);
    // Without a length the body may grow to the limit: reserve that. Over the limit, reserve nothing: the body
    // parser answers 413 without reading it.
    const reserve = Number.isSafeInteger(announced) && announced >= 0 ? announced : this.maxBytes;
    const admission = this.guard.admit(reserve > this.maxBytes ? 0 : reserve);
    if (!admission) throw overloaded();
    const state: Held = { admission, handlerRunning: false, responseClosed: false };
    reply.raw.once('close', () => {
      state.responseClosed = true;
      if (!state.handlerRunning) admission.release();
    });
    this.held.set(req, state);
  }

  /** Runs the handler inside the request's reservation; `admission` grows it by the decompressed payload. */
  async run<T>(req: FastifyRequest, handler: (admission: Admission) => Promise<T>): Promise<T> {
    const state = this.held.get(req);
    if (!state) throw new Error('standard-signal request reached its handler without admission');
    state.handlerRunning = true;
    try {
      return await handler(state.admission);
    } finally {
      state.handlerRunning = false;
      if (state.responseClosed) state.admission.release();
    }
  }

  /** Charges the decompressed payload to the reservation (when there is one beyond the body). */
  grow(admission: Admission, body: Buffer, decoded: Buffer): void {
    if (decoded !== body && !admission.grow(decoded.length)) throw overloaded();
  }

  /** Charges the tenant `rows` and `bytes`, or throws 429 QUOTA_EXCEEDED with the wait in Retry-After. */
  async charge(identity: TenantIdentity, rows: number, bytes: number): Promise<void> {
    const verdict = await this.quota.take(identity.tenantId, identity.plan, rows, bytes);
    if (!verdict.ok) {
      throw new SignalError(
        429,
        'QUOTA_EXCEEDED',
        `tenant ${verdict.limit} per second quota exceeded`,
        verdict.retryAfterSeconds,
        rows,
      );
    }
  }
}
