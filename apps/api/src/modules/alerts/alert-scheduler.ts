import type { PrismaClient } from '@bathyscope/db';
import { type Job, Queue, Worker } from 'bullmq';
import type { AlertEvaluator, EvaluationResult } from './alert-evaluator.js';

export const ALERT_QUEUE = 'alert-eval';

interface EvalJob {
  ruleId: string;
}

/**
 * Evaluations on a BullMQ queue with one job scheduler per rule (`upsertJobScheduler`), rather than one per tenant:
 * every rule keeps its own 15–60 s interval, an edit replaces exactly that rule's schedule, a slow or failing
 * query delays only its own rule, and evaluations of a tenant's rules spread over the workers. Schedulers live in
 * Redis, so they survive API restarts; `start` re-upserts them from Postgres, which is idempotent. Evaluation is
 * not retried: the next tick evaluates afresh, and a retry would evaluate the past as the present.
 */
export class AlertScheduler {
  private queue: Queue<EvalJob, EvaluationResult> | null = null;
  private worker: Worker<EvalJob, EvaluationResult> | null = null;

  constructor(
    private readonly redisUrl: string,
    private readonly prisma: PrismaClient,
    private readonly evaluator: AlertEvaluator,
    private readonly log: (message: string, err?: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const connection = { url: this.redisUrl, maxRetriesPerRequest: null };
    this.queue = new Queue(ALERT_QUEUE, { connection });
    this.worker = new Worker(ALERT_QUEUE, (job: Job<EvalJob>) => this.evaluator.evaluate(job.data.ruleId), {
      connection,
      concurrency: 4,
    });
    this.worker.on('failed', (job, err) => this.log(`alert rule ${job?.data.ruleId}: evaluation failed`, err));
    const rules = await this.prisma.alertRule.findMany({ select: { id: true, intervalSeconds: true, enabled: true } });
    for (const r of rules) await this.schedule(r);
  }

  async schedule(rule: { id: string; intervalSeconds: number; enabled: boolean }): Promise<void> {
    if (!rule.enabled) return this.unschedule(rule.id);
    await this.queue?.upsertJobScheduler(
      schedulerId(rule.id),
      { every: rule.intervalSeconds * 1000 },
      { name: 'evaluate', data: { ruleId: rule.id }, opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  async unschedule(ruleId: string): Promise<void> {
    await this.queue?.removeJobScheduler(schedulerId(ruleId));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}

const schedulerId = (ruleId: string) => `alert-rule:${ruleId}`;
