import { isIP } from 'node:net';
import type { PrismaClient } from '@bathyscope/db';
import { type IpInterval, IpIntervalIndex } from './ip-intervals';

const NO_MAPPINGS = new IpIntervalIndex([]);

interface TenantMap {
  index: IpIntervalIndex;
  loadedAt: number;
  loading: Promise<void> | null;
}

export interface IpMapOptions {
  /** A tenant's map older than this is reloaded in the background (the old one answers meanwhile). Default 5 s. */
  refreshMs?: number;
}

/**
 * Which resource held an IP at a time, per tenant, in memory (from Postgres `ResourceIp`). An IP can map to a
 * different pod tomorrow, so lookups take the row's own time: the mapping valid then, the latest-started when
 * several overlap (a new pod got the IP before the old one's mapping was closed). A tenant's map is reloaded when
 * older than `refreshMs` while the previous one keeps answering, so a new mapping tags traffic within twice that.
 */
export class IpResourceMap {
  private tenants = new Map<number, TenantMap>();
  private readonly refreshMs: number;

  constructor(
    private readonly prisma: PrismaClient,
    options: IpMapOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 5_000;
  }

  /** Resolves once the tenant's map exists (first use loads it; later calls never wait for a refresh). */
  async ready(tenantId: number): Promise<void> {
    let t = this.tenants.get(tenantId);
    if (!t) {
      t = { index: NO_MAPPINGS, loadedAt: 0, loading: null };
      this.tenants.set(tenantId, t);
      await this.reload(tenantId, t);
      return;
    }
    if (t.loading && t.loadedAt === 0) return t.loading;
    if (!t.loading && Date.now() - t.loadedAt > this.refreshMs) void this.reload(tenantId, t).catch(() => {});
  }

  /** Forget a tenant's map so the next batch reads the new mappings (after this gateway wrote one). */
  invalidate(tenantId: number): void {
    this.tenants.delete(tenantId);
  }

  /**
   * Another process changed the tenant's mappings (a connector, see invalidation.ts): start reading them now, and
   * make the next batch wait for that read instead of being tagged from the old map. A tenant this gateway has not
   * loaded yet is left alone (its first batch loads it).
   */
  reloadNow(tenantId: number): void {
    if (!this.tenants.has(tenantId)) return;
    const t: TenantMap = { index: NO_MAPPINGS, loadedAt: 0, loading: null };
    this.tenants.set(tenantId, t);
    void this.reload(tenantId, t).catch(() => {
      // The next `ready` retries: with loadedAt 0 and nothing loading it reloads.
      if (this.tenants.get(tenantId) === t) this.tenants.delete(tenantId);
    });
  }

  /** The resource holding `ip` at `atMs`, or 0. Any spelling of the address works (see IpIntervalIndex). */
  lookup(tenantId: number, ip: string, atMs: number): number {
    const t = this.tenants.get(tenantId);
    return t ? t.index.lookup(ip, atMs) : 0;
  }

  private reload(tenantId: number, t: TenantMap): Promise<void> {
    t.loading = (async () => {
      try {
        const rows = await this.prisma.resourceIp.findMany({
          where: { tenantId },
          select: { ip: true, resourceId: true, validFrom: true, validTo: true },
        });
        const intervals: IpInterval[] = rows.map((r) => ({
          ip: r.ip,
          from: r.validFrom.getTime(),
          to: r.validTo?.getTime() ?? Infinity,
          resourceId: r.resourceId,
        }));
        t.index = new IpIntervalIndex(intervals);
        t.loadedAt = Date.now();
      } finally {
        t.loading = null;
      }
    })();
    return t.loading;
  }
}

/** One spelling per address: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as IPv4, IPv6 lower-case. */
export function canonicalIp(ip: string): string {
  // Dotted IPv4 is canonical already: no lower-casing copy for the common case on the tagging path.
  if (ip.indexOf(':') < 0) return ip;
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) return ip.slice(7);
  return ip.toLowerCase();
}

/** Addresses that name "this host" wherever they are seen, so they never identify another resource. */
export function isHostLocalIp(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip === '0.0.0.0' || ip === '::' || /^fe[89ab]/i.test(ip);
}
