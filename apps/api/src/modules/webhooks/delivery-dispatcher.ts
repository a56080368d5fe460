import type { PrismaClient } from '@bathyscope/db';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { SecretBox } from '../../infra/secret-box.js';
import { postPinned, retryAfterMs } from './http-post.js';
import { signedHeaders } from './signing.js';
import { type AddressPolicy, resolveWebhookTarget, WebhookTargetRefused } from './ssrf-guard.js';

export const WEBHOOK_QUEUE = 'webhook-delivery';

interface DeliveryJob {
  deliveryId: string;
}

/** A failed attempt that may be retried; `retryAfterMs` is what the receiver asked for (Retry-After). */
class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

export interface RetryTiming {
  /** First retry after about this long; each further one doubles. */
  baseMs: number;
  maxMs: number;
  /** Retry-After values above this are clamped, so a receiver cannot park a delivery for days. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryTiming = { baseMs: 1_000, maxMs: 15 * 60_000, maxRetryAfterMs: 60 * 60_000 };

/**
 * Delay before retry `attemptsMade` + 1: exponential with "equal jitter" (half fixed, half random), so retries
 * of many deliveries failing together spread out; a Retry-After from the receiver is a floor.
 */
export function retryDelay(attemptsMade: number, retryAfter: number | null, t: RetryTiming, random = Math.random()) {
  const exp = Math.min(t.maxMs, t.baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(exp / 2 + (exp / 2) * random);
  return retryAfter === null ? jittered : Math.max(jittered, Math.min(retryAfter, t.maxRetryAfterMs));
}

const ERROR_CHARS = 500;

/**
 * Delivers webhook messages from a BullMQ queue. One job per delivery row (job id = delivery id, so a repeated
 * enqueue is a no-op); every attempt is logged; 2xx delivers, 410 Gone disables the destination, a refused address
 * stops at once, anything else retries with backoff until the destination's maxAttempts, then the delivery is
 * dead-lettered (status `dead`, kept with its attempts for the delivery log).
 */
export class DeliveryDispatcher {
  private queue: Queue<DeliveryJob> | null = null;
  private worker: Worker<DeliveryJob> | null = null;

  constructor(
    private readonly redisUrl: string,
    private readonly prisma: PrismaClient,
    private readonly secrets: SecretBox,
    private readonly policy: AddressPolicy,
    private readonly timing: RetryTiming = DEFAULT_RETRY,
    private readonly log: (message: string, err?: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const connection = { url: this.redisUrl, maxRetriesPerRequest: null };
    this.queue = new Queue(WEBHOOK_QUEUE, { connection });
    this.worker = new Worker(WEBHOOK_QUEUE, (job) => this.process(job), {
      connection,
      concurrency: 8,
      // A delivery cut by a crash is stalled, not failed; BullMQ's default (1) would fail it for good at the second
      // crash, and its job id would then keep the start-up re-queue below from sending it again.
      maxStalledCount: 10,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
          retryDelay(attemptsMade, err instanceof RetryableDeliveryError ? err.retryAfterMs : null, this.timing),
      },
    });
    this.worker.on('failed', (job, err) => this.log(`webhook delivery ${job?.data.deliveryId} attempt failed`, err));
    // Deliveries written just before a crash may have no job yet: queue them again (job ids make this idempotent).
    const pending = await this.prisma.webhookDelivery.findMany({
      where: { status: 'pending' },
      select: { id: true, destination: { select: { maxAttempts: true } } },
      take: 10_000,
    });
    for (const d of pending) await this.enqueue(d.id, d.destination.maxAttempts);
  }

  async enqueue(deliveryId: string, maxAttempts: number): Promise<void> {
    if (!this.queue) throw new Error('the webhook dispatcher is not running');
    await this.queue.add(
      'deliver',
      { deliveryId },
      {
        jobId: deliveryId,
        attempts: maxAttempts,
        backoff: { type: 'webhook' },
        removeOnComplete: 1000,
        removeOnFail: 5000,
      },
    );
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }

  private async process(job: Job<DeliveryJob>): Promise<string> {
    const delivery = await this.prisma.webhookDelivery.findUnique({
      where: { id: job.data.deliveryId },
      include: { destination: true },
    });
    if (delivery?.status !== 'pending') return 'done already';
    const dest = delivery.destination;
    if (!dest.enabled) {
      await this.finish(delivery.id, 'disabled');
      return 'destination disabled';
    }
    const { attempts: attempt } = await this.prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: { attempts: { increment: 1 } },
      select: { attempts: true },
    });
    const started = Date.now();
    const logAttempt = (r: { statusCode?: number; error?: string; snippet?: string }) =>
      this.prisma.webhookDeliveryAttempt.create({
        data: {
          deliveryId: delivery.id,
          attempt,
          statusCode: r.statusCode ?? null,
          durationMs: Date.now() - started,
          error: r.error?.slice(0, ERROR_CHARS) ?? null,
          responseSnippet: r.snippet ?? '',
        },
      });

    let target: Awaited<ReturnType<typeof resolveWebhookTarget>>;
    try {
      target = await resolveWebhookTarget(dest.url, this.policy);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await logAttempt({ error: message });
      if (err instanceof WebhookTargetRefused && err.reason !== 'unresolvable') {
        await this.finish(delivery.id, 'dead');
        throw new UnrecoverableError(message);
      }
      return this.retryOrDie(delivery.id, attempt, dest.maxAttempts, message, null);
    }

    const body = JSON.stringify(delivery.payload);
    const secrets = JSON.parse(this.secrets.open(dest.secrets)) as string[];
    const headers = signedHeaders(secrets, delivery.messageId, new Date(), body);
    let result: Awaited<ReturnType<typeof postPinned>>;
    try {
      result = await postPinned(target, headers, body, dest.timeoutMs);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await logAttempt({ error: message });
      return this.retryOrDie(delivery.id, attempt, dest.maxAttempts, message, null);
    }
    await logAttempt({ statusCode: result.statusCode, snippet: result.snippet });
    if (result.statusCode >= 200 && result.statusCode < 300) {
      await this.finish(delivery.id, 'delivered');
      return 'delivered';
    }
    if (result.statusCode === 410) {
      // 410 Gone: the receiver says this endpoint is gone for good (Standard Webhooks): stop sending anything.
      await this.prisma.webhookDestination.update({
        where: { id: dest.id },
        data: { enabled: false, disabledReason: `the receiver answered 410 Gone at ${new Date().toISOString()}` },
      });
      await this.finish(delivery.id, 'disabled');
      throw new UnrecoverableError('410 Gone: destination disabled');
    }
    return this.retryOrDie(
      delivery.id,
      attempt,
      dest.maxAttempts,
      `HTTP ${result.statusCode}`,
      retryAfterMs(result.headers['retry-after']),
    );
  }

  private async retryOrDie(
    deliveryId: string,
    attempt: number,
    maxAttempts: number,
    message: string,
    retryAfter: number | null,
  ): Promise<never> {
    if (attempt >= maxAttempts) {
      await this.finish(deliveryId, 'dead');
      throw new UnrecoverableError(`${message}; dead-lettered after ${attempt} attempts`);
    }
    throw new RetryableDeliveryError(message, retryAfter);
  }

  private async finish(id: string, status: 'delivered' | 'dead' | 'disabled'): Promise<void> {
    await this.prisma.webhookDelivery.update({ where: { id }, data: { status, finishedAt: new Date() } });
  }
}
