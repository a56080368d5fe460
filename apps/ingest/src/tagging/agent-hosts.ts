import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { canonicalIp, type IpResourceMap, isHostLocalIp } from './ip-map';
import type { ResourceStore } from './resource-store';
import { chDateTime64, emptyTags, KIND_INDEX, type TagVector } from './resource-tags';

export interface AgentHost {
  hostId: number;
  /** Its addresses (canonical): traffic to them from this agent's host is local traffic. */
  ips: ReadonlySet<string>;
  /** The host's own tag vector (the host and whatever encloses it). */
  tags: TagVector;
}

interface Cached {
  host: AgentHost;
  at: number;
}

/** Re-read an agent's host facts this often: a re-enrolled machine may have new addresses. */
const HOST_TTL_MS = 60_000;

/**
 * The host resource behind each agent, from the facts it sent at enrollment: the machine (machine-id, else the
 * agent) becomes a `host` resource and its addresses map to it from now on, so traffic another agent sees to
 * those addresses is tagged with this host.
 */
export class AgentHosts {
  private cache = new Map<number, Cached>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ch: ClickHouseHandle,
    private readonly resources: ResourceStore,
    private readonly ipMap: IpResourceMap,
  ) {}

  async get(tenantId: number, agentId: number): Promise<AgentHost> {
    const hit = this.cache.get(agentId);
    if (hit && Date.now() - hit.at < HOST_TTL_MS) return hit.host;
    const agent = await this.prisma.agent.findFirst({
      where: { id: agentId, tenantId },
      select: { hostname: true, machineId: true, hostFacts: true, name: true, enrolledAt: true, createdAt: true },
    });
    const facts = (agent?.hostFacts ?? {}) as { hostname?: unknown; ips?: unknown };
    const hostname = typeof facts.hostname === 'string' && facts.hostname ? facts.hostname : agent?.hostname || '';
    const [hostId] = await this.resources.ensure(tenantId, [
      {
        kind: 'host',
        externalId: agent?.machineId ? `machine:${agent.machineId}` : `agent:${agentId}`,
        name: hostname || agent?.name || `agent ${agentId}`,
        parentId: null,
      },
    ]);
    const ips = new Set(
      (Array.isArray(facts.ips) ? facts.ips : [])
        .filter((ip): ip is string => typeof ip === 'string' && ip.length <= 45)
        .map(canonicalIp),
    );
    // The host held its addresses when it enrolled (the facts are from then), so rows captured since are tagged.
    const since = agent?.enrolledAt ?? agent?.createdAt ?? new Date();
    await this.registerIps(tenantId, hostId as number, [...ips].filter(routable), since);
    await this.resources.loadTags(tenantId, [hostId as number]);
    const tags = this.resources.cachedTags(tenantId, hostId as number) ?? emptyTags();
    if (tags[KIND_INDEX.host] === 0) tags[KIND_INDEX.host] = hostId as number;
    const host = { hostId: hostId as number, ips, tags };
    this.cache.set(agentId, { host, at: Date.now() });
    return host;
  }

  /** Opens a mapping for every address not mapped to this host yet, here and in ClickHouse's `ip_resource_map`. */
  private async registerIps(tenantId: number, hostId: number, ips: string[], since: Date): Promise<void> {
    if (ips.length === 0) return;
    const opened = await this.prisma.$queryRaw<{ ip: string; validFrom: Date }[]>`
      INSERT INTO "ResourceIp" ("tenantId", "vpcId", "ip", "resourceId", "validFrom")
      SELECT ${tenantId}, 0, ip, ${hostId}, ${since} FROM unnest(${ips}::text[]) AS ip
      ON CONFLICT ("tenantId", "vpcId", "ip", "resourceId") WHERE "validTo" IS NULL DO NOTHING
      RETURNING "ip", "validFrom"`;
    if (opened.length === 0) return;
    await this.ch.client.insert({
      table: `${this.ch.database}.ip_resource_map`,
      values: opened.map((r) => ({
        tenant_id: tenantId,
        vpc_id: 0,
        ip: r.ip,
        valid_from: chDateTime64(r.validFrom).slice(0, 19),
        host_id: hostId,
        updated_at: chDateTime64(new Date()),
      })),
      format: 'JSONEachRow',
    });
    this.ipMap.invalidate(tenantId);
  }
}

/** Addresses worth mapping: not loopback/link-local (every host has them) and not the cloud metadata range. */
function routable(ip: string): boolean {
  return !isHostLocalIp(ip) && !ip.startsWith('169.254.');
}
