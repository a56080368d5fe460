import { createHash } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { ConnectorRunner } from '../engine/connector-runner.js';
import type { SyncCounts } from '../engine/sync-engine.js';
import { WATCHED_KINDS } from '../sources/index.js';
import { SourceError } from '../sources/source-types.js';
import type { WatchSupervisor } from './watch-supervisor.js';

export const SYNC_QUEUE = 'resource-sync';

interface SyncJob {
  connectorId: string;
}

/** Retries of one run: 5 attempts, 5 s → 10 s → 20 s → 40 s apart (BullMQ exponential backoff). */
const RETRY = { attempts: 5, backoff: { type: 'exponential' as const, delay: 5_000 } };

/**
 * Connector runs on a BullMQ queue: one job scheduler per connector (`upsertJobScheduler`, so re-scheduling an
 * edited connector replaces its schedule), each offset by a stable per-connector jitter so a tenant's connectors
 * do not all hit their APIs at the same second; "run now" jobs deduplicate per connector; failed runs retry with
 * exponential backoff, and a non-retryable source error (bad credentials, bad config) stops retrying at once.
 * The worker runs in the API process; for a watched connector (Kubernetes) the run is a relist by its supervisor.
 */
export class SyncScheduler {
  private queue: Queue<SyncJob, SyncCounts | { relisted: true }> | null = null;
  private worker: Worker<SyncJob, SyncCounts | { relisted: true }> | null = null;

  constructor(
    private readonly redisUrl: string,
    private readonly prisma: PrismaClient,
    private readonly runner: ConnectorRunner,
    private readonly supervisor: WatchSupervisor,
    private readonly log: (message: string, err?: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const connection = { url: this.redisUrl, maxRetriesPerRequest: null };
    this.queue = new Queue(SYNC_QUEUE, { connection });
    this.worker = new Worker(SYNC_QUEUE, (job) => this.process(job), { connection, concurrency: 2 });
    this.worker.on('failed', (job, err) => this.log(`connector ${job?.data.connectorId}: run failed`, err));
    const connectors = await this.prisma.connector.findMany({
      where: { enabled: true },
      select: { id: true, kind: true, intervalSeconds: true },
    });
    for (const c of connectors) await this.schedule(c);
  }

  /** (Re)creates the connector's schedule and, for watched kinds, its watch; disabled ones lose both. */
  async schedule(c: { id: string; kind: string; intervalSeconds: number; enabled?: boolean }): Promise<void> {
    if (c.enabled === false) return this.unschedule(c.id);
    const every = Math.max(c.intervalSeconds, 30) * 1000;
    await this.queue?.upsertJobScheduler(
      schedulerId(c.id),
      { every, offset: jitter(c.id, every) },
      { name: 'sync', data: { connectorId: c.id }, opts: { ...RETRY, removeOnComplete: 100, removeOnFail: 100 } },
    );
    if ((WATCHED_KINDS as readonly string[]).includes(c.kind)) this.supervisor.follow(c.id);
  }

  async unschedule(connectorId: string): Promise<void> {
    await this.queue?.removeJobScheduler(schedulerId(connectorId));
    await this.supervisor.unfollow(connectorId);
  }

  /** A run as soon as a worker is free; a second request while one is queued joins it. */
  async runNow(connectorId: string): Promise<void> {
    if (!this.queue) throw new Error('the sync scheduler is not running');
    await this.queue.add(
      'sync',
      { connectorId },
      { ...RETRY, deduplication: { id: `run:${connectorId}` }, removeOnComplete: true, removeOnFail: 100 },
    );
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    await this.supervisor.close();
  }

  private async process(job: Job<SyncJob>): Promise<SyncCounts | { relisted: true }> {
    const { connectorId } = job.data;
    // Relisting here beside a running watch would race with it (an older listing applied after a newer event).
    if (this.supervisor.relist(connectorId)) return { relisted: true };
    try {
      return await this.runner.run(connectorId);
    } catch (err) {
      if (err instanceof SourceError && !err.retryable) throw new UnrecoverableError(err.message);
      throw err;
    }
  }
}

const schedulerId = (connectorId: string) => `connector:${connectorId}`;

/** Stable per connector (an edit must not move its slot), spread over the interval. */
function jitter(connectorId: string, every: number): number {
  return createHash('sha256').update(connectorId).digest().readUInt32BE(0) % every;
}
