import type { Redis } from 'ioredis';

/** Where a resource change is announced; the message is the tenant id. Published by apps/api's sync engine. */
export const RESOURCE_INVALIDATION_CHANNEL = 'bathyscope:resources';
/**
 * Gateways publish here (the tenant id) after they created resources themselves (a new host, process, container):
 * only the names changed, so the process owning ClickHouse reloads its name dictionary and nobody reloads IP maps.
 */
export const RESOURCE_NAMES_CHANNEL = 'bathyscope:resource-names';

/** Publishes on RESOURCE_NAMES_CHANNEL at most once per `intervalMs`, whatever the rate of new resources. */
export function namesAnnouncer(
  publish: (channel: string, message: string) => Promise<unknown>,
  intervalMs = 1000,
): (tenantId: number) => void {
  let timer: NodeJS.Timeout | undefined;
  let tenant = 0;
  return (tenantId) => {
    tenant = tenantId;
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      publish(RESOURCE_NAMES_CHANNEL, String(tenant)).catch(() => {
        // The dictionary's own lifetime is the fallback: a lost announcement only delays a name.
      });
    }, intervalMs);
    timer.unref();
  };
}

/** What a gateway drops when a tenant's resources change. */
export interface TenantInvalidatable {
  invalidateTenant(tenantId: number): void;
}

/**
 * Follows the invalidation channel on its own connection (a subscribed Redis connection can do nothing else), so a
 * connector's change tags traffic at once instead of after the periodic reloads, which stay as the safety net for
 * a lost message (pub/sub is at-most-once) or a Redis outage.
 */
export class ResourceInvalidations {
  private received = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly target: TenantInvalidatable,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== RESOURCE_INVALIDATION_CHANNEL) return;
      const tenantId = Number(message);
      if (!Number.isSafeInteger(tenantId) || tenantId <= 0) return;
      this.received++;
      this.target.invalidateTenant(tenantId);
    });
    this.subscriber.on('error', this.onError);
    // Not awaited: a Redis that is down must not hold the gateway's start (ioredis re-subscribes on reconnect).
    this.subscriber.subscribe(RESOURCE_INVALIDATION_CHANNEL).catch(this.onError);
  }

  /** Messages applied so far (for tests and metrics). */
  get count(): number {
    return this.received;
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
