import type { PrismaClient } from '@bathyscope/db';
import { type AgentConfig, DEFAULT_AGENT_CONFIG } from '@bathyscope/wire';

/** The configuration an agent is handed: its group's current version, or the built-in defaults as version 0. */
export interface ServedConfig {
  version: number;
  config: AgentConfig;
}

export const DEFAULT_SERVED_CONFIG: ServedConfig = Object.freeze({ version: 0, config: DEFAULT_AGENT_CONFIG });

interface Entry {
  tenantId: number | null;
  served: ServedConfig;
  fetchedAt: number;
}

export interface GroupConfigCacheOptions {
  /** How long a group's configuration is served from memory; a change reaches agents within it plus their poll. */
  ttlMs?: number;
  maxEntries?: number;
}

/**
 * Group configurations for check-ins, from memory. Thousands of agents of a group check in every interval and
 * all get the same document, so each group costs one query per TTL (2 s) at most, however many agents it has;
 * concurrent misses share that query.
 */
export class GroupConfigCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly prisma: PrismaClient,
    options: GroupConfigCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 20_000;
  }

  /**
   * The configuration for an agent of `tenantId` in `groupId` (null: ungrouped → defaults). The group id comes from
   * the agent's own row (its credential), and a group of another tenant is never served, whatever the row says.
   */
  async get(groupId: string | null, tenantId: number): Promise<ServedConfig> {
    if (groupId === null) return DEFAULT_SERVED_CONFIG;
    const entry = await this.load(groupId);
    return entry.tenantId === tenantId ? entry.served : DEFAULT_SERVED_CONFIG;
  }

  private load(groupId: string): Promise<Entry> {
    const hit = this.entries.get(groupId);
    if (hit && Date.now() - hit.fetchedAt < this.ttlMs) return Promise.resolve(hit);
    let pending = this.loading.get(groupId);
    if (!pending) {
      pending = this.fetch(groupId).finally(() => this.loading.delete(groupId));
      this.loading.set(groupId, pending);
    }
    return pending;
  }

  private async fetch(groupId: string): Promise<Entry> {
    const fetchedAt = Date.now();
    const rows = await this.prisma.$queryRaw<{ tenantId: number; configVersion: number; config: unknown }[]>`
      SELECT g."tenantId", g."configVersion", v."config"
      FROM "AgentGroup" g
      LEFT JOIN "AgentConfigVersion" v ON v."groupId" = g."id" AND v."version" = g."configVersion"
      WHERE g."id" = ${groupId}`;
    const row = rows[0];
    // A group deleted since the agent row was cached: its agents are ungrouped now and run the defaults.
    const entry: Entry =
      row && row.configVersion > 0 && row.config
        ? {
            tenantId: row.tenantId,
            served: { version: row.configVersion, config: row.config as AgentConfig },
            fetchedAt,
          }
        : { tenantId: row?.tenantId ?? null, served: DEFAULT_SERVED_CONFIG, fetchedAt };
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(groupId, entry);
    return entry;
  }
}
