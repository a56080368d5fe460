import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

const leaseKey = (connectorId: string) => `bathyscope:watch-lease:${connectorId}`;
const fenceKey = (connectorId: string) => `bathyscope:watch-fence:${connectorId}`;
const relistKey = (connectorId: string) => `bathyscope:watch-relist:${connectorId}`;

// Take the lease if free; the fencing token is a counter that only grows, so a later leader always holds more.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end
return 0`;
// Extend only our own lease; 2 when a relist was asked for meanwhile (the flag is consumed), 1 otherwise.
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('DEL', KEYS[2]) == 1 then return 2 end
return 1`;
// Still the leader with this fence: the lease is ours and no later leader incremented the fence.
const CHECK = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then return 1 end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface WatchLeaseOptions {
  /** How long a lease lives without renewal: a dead leader is replaced after at most this. Default 15 s. */
  ttlMs?: number;
}

/**
 * Which API process watches a connector: a Redis lease per connector (SET NX PX), renewed at a third of its
 * lifetime, with a fencing token that grows with every new leader. Several API processes all follow every
 * watched connector; only the lease holder lists and watches, the others wait for the lease to fall free (its
 * holder died or stopped), so one process applies a connector's events and ordering stays that of the stream.
 */
export class WatchLeases {
  readonly owner: string;
  readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    options: WatchLeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15_000;
    this.owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** The lease if it was free, else null (another process holds it). */
  async acquire(connectorId: string): Promise<WatchLease | null> {
    const token = `${this.owner}:${randomBytes(6).toString('hex')}`;
    const fence = Number(
      await this.redis.eval(ACQUIRE, 2, leaseKey(connectorId), fenceKey(connectorId), token, this.ttlMs),
    );
    return fence > 0 ? new WatchLease(this.redis, connectorId, token, fence, this.ttlMs) : null;
  }

  /** Asks the leader, whichever process it is, to relist at its next renewal (runs requested anywhere). */
  async requestRelist(connectorId: string): Promise<void> {
    await this.redis.set(relistKey(connectorId), '1', 'PX', this.ttlMs * 2);
  }
}

export class WatchLease {
  constructor(
    private readonly redis: Redis,
    readonly connectorId: string,
    private readonly token: string,
    /** Fencing token: every batch checks it is still the current one before it is applied. */
    readonly fence: number,
    readonly ttlMs: number,
  ) {}

  /** Extends the lease: 'lost' when another process holds it now, 'relist' when a relist was asked for. */
  async renew(): Promise<'held' | 'relist' | 'lost'> {
    const r = Number(
      await this.redis.eval(RENEW, 2, leaseKey(this.connectorId), relistKey(this.connectorId), this.token, this.ttlMs),
    );
    return r === 0 ? 'lost' : r === 2 ? 'relist' : 'held';
  }

  /** Whether writes under this lease may still go ahead (checked before every applied batch). */
  async valid(): Promise<boolean> {
    const r = await this.redis.eval(
      CHECK,
      2,
      leaseKey(this.connectorId),
      fenceKey(this.connectorId),
      this.token,
      String(this.fence),
    );
    return Number(r) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, leaseKey(this.connectorId), this.token);
  }
}
