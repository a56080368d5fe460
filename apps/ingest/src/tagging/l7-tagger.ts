import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { AgentHosts } from './agent-hosts';
import { canonicalIp, IpResourceMap, type IpMapOptions, isHostLocalIp } from './ip-map';
import { type ResourceRef, ResourceStore, type ResourceStoreOptions } from './resource-store';
import { emptyTags, fillTags, KIND_INDEX, TAG_COLUMNS, type TagVector, writeTags } from './resource-tags';

/** What one row tells about the process that observed it and about the peer (as agents report it). */
export interface ObservedIdentity {
  /** `network`: seen on an interface (packet capture), no observing process: both ends are tagged by address. */
  tapSide: 'unknown' | 'client' | 'server' | 'network';
  startTimeUs: number;
  pid: number;
  processName: string;
  /** Process start time (agent's clock, any unit that is stable per process); 0 when the agent does not send it. */
  processStartTime?: number;
  containerId?: string;
  podUid?: string;
  namespace: string;
  service: string;
  clientIp: string;
  serverIp: string;
}

/** The process behind a one-sided row; pid 0 means the host itself. */
export interface LocalObserver {
  pid: number;
  processName: string;
  processStartTime?: number;
  /** From the process's cgroup: what ties it to a pod, and so to its workload and namespace. '' / absent = unknown. */
  containerId?: string;
  podUid?: string;
}

/** What a standard signal's attributes say about where a row comes from (all optional). */
export interface AttributedIdentity {
  /** When the row was observed (unix ms): an IP belongs to whoever held it then. */
  atMs: number;
  ip?: string;
  podUid?: string;
  namespace?: string;
  service?: string;
}

export interface TaggerOptions extends ResourceStoreOptions, IpMapOptions {}

/**
 * AutoTagging at ingest: every row leaves the gateway with integer resource ids for both ends (SmartEncoding —
 * names and labels stay in resource tables, joined at query time). The observing side is known from the agent
 * itself: its host, the process (pid + start), its container and pod from the cgroup, the namespace and service
 * it was configured with. The peer is known from its address, through the time-aware IP map (an IP belongs to
 * the resource that held it when the row was observed). Resources met for the first time are created.
 */
export class ResourceTagger {
  readonly resources: ResourceStore;
  readonly ipMap: IpResourceMap;
  private readonly hosts: AgentHosts;

  constructor(prisma: PrismaClient, ch: ClickHouseHandle, options: TaggerOptions = {}) {
    this.resources = new ResourceStore(prisma, ch, options);
    this.ipMap = new IpResourceMap(prisma, options);
    this.hosts = new AgentHosts(prisma, ch, this.resources, this.ipMap);
  }

  /** A tenant's resources changed elsewhere (connector sync): re-read its IP map and tag vectors now. */
  invalidateTenant(tenantId: number): void {
    this.resources.invalidateTenant(tenantId);
    this.ipMap.reloadNow(tenantId);
  }

  /** Writes `client_<kind>_id` / `server_<kind>_id` onto each storage row (rows[i] belongs to observed[i]). */
  async tag(
    identity: { tenantId: number; agentId: number },
    observed: readonly ObservedIdentity[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const { tenantId } = identity;
    const host = await this.hosts.get(tenantId, identity.agentId);
    await this.ipMap.ready(tenantId);

    // The observing process of each row, resolved once per distinct identity in the batch.
    const localKeys = new Array<string>(rows.length);
    const locals = new Map<string, { o: ObservedIdentity; processId: number }>();
    for (let i = 0; i < rows.length; i++) {
      const o = observed[i] as ObservedIdentity;
      if (o.tapSide === 'unknown' || o.tapSide === 'network') continue;
      const key = `${o.pid}|${o.processStartTime ?? 0}|${o.processName}|${o.containerId ?? ''}|${o.podUid ?? ''}|${o.namespace}|${o.service}`;
      localKeys[i] = key;
      if (!locals.has(key)) locals.set(key, { o, processId: 0 });
    }
    const named = await this.resolveProcesses(tenantId, host.hostId, [...locals.values()]);

    // Tag vectors of every resource involved, read in one query for those not cached.
    const now = Date.now();
    const needTags: number[] = [];
    for (const l of locals.values())
      if (!this.resources.cachedTags(tenantId, l.processId, now)) needTags.push(l.processId);
    const peerIds = new Int32Array(rows.length);
    // Network rows: the client end, by address like the server end (no process observed either).
    const wireClientIds = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const o = observed[i] as ObservedIdentity;
      const peer = o.tapSide === 'client' || o.tapSide === 'network' ? o.serverIp : o.clientIp;
      const id = this.peerResource(tenantId, host.ips, peer, o.startTimeUs / 1000);
      peerIds[i] = id;
      if (id > 0 && !this.resources.cachedTags(tenantId, id, now)) needTags.push(id);
      if (o.tapSide === 'network') {
        const c = this.peerResource(tenantId, host.ips, o.clientIp, o.startTimeUs / 1000);
        wireClientIds[i] = c;
        if (c > 0 && !this.resources.cachedTags(tenantId, c, now)) needTags.push(c);
      }
    }
    if (needTags.length > 0) await this.resources.loadTags(tenantId, needTags);

    const localTags = new Map<string, TagVector>();
    for (const [key, l] of locals) localTags.set(key, this.localVector(tenantId, host.tags, l, named));
    for (let i = 0; i < rows.length; i++) {
      const o = observed[i] as ObservedIdentity;
      const row = rows[i] as Record<string, unknown>;
      const wire = o.tapSide === 'network';
      const localColumns = o.tapSide === 'client' || wire ? TAG_COLUMNS.client_ : TAG_COLUMNS.server_;
      const peerColumns = o.tapSide === 'client' || wire ? TAG_COLUMNS.server_ : TAG_COLUMNS.client_;
      const key = localKeys[i];
      if (key !== undefined) writeTags(row, localColumns, localTags.get(key) as TagVector);
      const peer = peerIds[i] as number;
      if (peer === -1) writeTags(row, peerColumns, host.tags);
      else if (peer > 0) writeTags(row, peerColumns, this.resources.cachedTags(tenantId, peer) ?? emptyTags());
      const client = wire ? (wireClientIds[i] as number) : 0;
      if (client === -1) writeTags(row, localColumns, host.tags);
      else if (client > 0) writeTags(row, localColumns, this.resources.cachedTags(tenantId, client) ?? emptyTags());
    }
  }

  /**
   * One-sided rows (profile samples, host metrics): the observing process's tag vector — or, for rows without a
   * pid, the agent's host's — written into the unprefixed tag columns (`host_id`, `process_id` …) of rows[i].
   */
  async tagObservers(
    identity: { tenantId: number; agentId: number },
    observers: readonly LocalObserver[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const { tenantId } = identity;
    const host = await this.hosts.get(tenantId, identity.agentId);
    const keys = new Array<string | undefined>(rows.length);
    const locals = new Map<string, { o: ObservedIdentity; processId: number }>();
    for (let i = 0; i < rows.length; i++) {
      const l = observers[i] as LocalObserver;
      if (l.pid <= 0) continue;
      const key = `${l.pid}|${l.processStartTime ?? 0}|${l.processName}|${l.containerId ?? ''}|${l.podUid ?? ''}`;
      keys[i] = key;
      if (!locals.has(key)) {
        const o: ObservedIdentity = {
          tapSide: 'server',
          startTimeUs: 0,
          pid: l.pid,
          processName: l.processName,
          processStartTime: l.processStartTime,
          containerId: l.containerId,
          podUid: l.podUid,
          namespace: '',
          service: '',
          clientIp: '',
          serverIp: '',
        };
        locals.set(key, { o, processId: 0 });
      }
    }
    const named = await this.resolveProcesses(tenantId, host.hostId, [...locals.values()]);
    const now = Date.now();
    const needTags = [...locals.values()]
      .map((l) => l.processId)
      .filter((id) => !this.resources.cachedTags(tenantId, id, now));
    if (needTags.length > 0) await this.resources.loadTags(tenantId, needTags);
    const vectors = new Map<string, TagVector>();
    for (const [key, l] of locals) vectors.set(key, this.localVector(tenantId, host.tags, l, named));
    for (let i = 0; i < rows.length; i++) {
      const key = keys[i];
      writeTags(rows[i] as Record<string, unknown>, TAG_COLUMNS[''], key ? (vectors.get(key) as TagVector) : host.tags);
    }
  }

  /**
   * Rows from standard signals (OTLP spans, Prometheus samples) that name their source by attributes rather than
   * by an agent: an address (`k8s.pod.ip`, `host.ip`, a scrape target's `instance`) resolves through the time-aware
   * IP map; a pod UID, namespace and service name resolve (or are created) like an agent's. Whatever is known is
   * written into the unprefixed tag columns of rows[i]; nothing the payload says can reach another tenant's resources.
   */
  async tagByAttributes(
    tenantId: number,
    attributed: readonly AttributedIdentity[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.ipMap.ready(tenantId);
    const level1 = new Map<string, ResourceRef>();
    for (const a of attributed) {
      if (a.podUid)
        level1.set(`pod:${a.podUid}`, { kind: 'pod', externalId: a.podUid, name: a.podUid, parentId: null });
      if (a.namespace) {
        level1.set(`namespace:${a.namespace}`, {
          kind: 'namespace',
          externalId: a.namespace,
          name: a.namespace,
          parentId: null,
        });
      }
    }
    const refs1 = [...level1.values()];
    const ids1 = await this.resources.ensure(tenantId, refs1);
    const named = new Map(refs1.map((r, i) => [`${r.kind}:${r.externalId}`, ids1[i] as number]));
    const level2 = new Map<string, ResourceRef>();
    for (const a of attributed) {
      if (!a.service) continue;
      const externalId = `${a.namespace ?? ''}/${a.service}`;
      level2.set(`service:${externalId}`, {
        kind: 'service',
        externalId,
        name: a.service,
        parentId: a.namespace ? (named.get(`namespace:${a.namespace}`) ?? null) : null,
      });
    }
    const refs2 = [...level2.values()];
    const ids2 = await this.resources.ensure(tenantId, refs2);
    for (let i = 0; i < refs2.length; i++) {
      const r = refs2[i] as ResourceRef;
      named.set(`${r.kind}:${r.externalId}`, ids2[i] as number);
    }

    const anchors = new Int32Array(rows.length);
    const now = Date.now();
    const needTags: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const a = attributed[i] as AttributedIdentity;
      let id = a.podUid ? (named.get(`pod:${a.podUid}`) ?? 0) : 0;
      if (id === 0 && a.ip) {
        const ip = canonicalIp(a.ip);
        if (ip && !isHostLocalIp(ip)) id = this.ipMap.lookup(tenantId, ip, a.atMs);
      }
      anchors[i] = id;
      if (id > 0 && !this.resources.cachedTags(tenantId, id, now)) needTags.push(id);
    }
    if (needTags.length > 0) await this.resources.loadTags(tenantId, needTags);
    for (let i = 0; i < rows.length; i++) {
      const a = attributed[i] as AttributedIdentity;
      const v = emptyTags();
      const anchor = anchors[i] as number;
      if (anchor > 0) v.set(this.resources.cachedTags(tenantId, anchor) ?? emptyTags());
      if (a.podUid && v[KIND_INDEX.pod] === 0) v[KIND_INDEX.pod] = named.get(`pod:${a.podUid}`) ?? 0;
      if (a.service && v[KIND_INDEX.service] === 0) {
        v[KIND_INDEX.service] = named.get(`service:${a.namespace ?? ''}/${a.service}`) ?? 0;
      }
      if (a.namespace && v[KIND_INDEX.namespace] === 0) {
        v[KIND_INDEX.namespace] = named.get(`namespace:${a.namespace}`) ?? 0;
      }
      writeTags(rows[i] as Record<string, unknown>, TAG_COLUMNS[''], v);
    }
  }

  /**
   * The resource behind a peer address at a time: -1 for this host itself (loopback, or one of its own
   * addresses), 0 when unknown.
   */
  private peerResource(tenantId: number, hostIps: ReadonlySet<string>, ip: string, atMs: number): number {
    if (!ip) return 0;
    const c = canonicalIp(ip);
    if (isHostLocalIp(c) || hostIps.has(c)) return -1;
    return this.ipMap.lookup(tenantId, c, atMs);
  }

  /** Creates or finds pod → container → process (and namespace → service) for each distinct observer. */
  private async resolveProcesses(
    tenantId: number,
    hostId: number,
    locals: { o: ObservedIdentity; processId: number }[],
  ): Promise<Map<string, number>> {
    if (locals.length === 0) return new Map();
    // Parents first: each level's ids are the next level's parentIds.
    const level1: ResourceRef[] = [];
    for (const { o } of locals) {
      if (o.podUid) level1.push({ kind: 'pod', externalId: o.podUid, name: o.podUid, parentId: null });
      if (o.namespace) level1.push({ kind: 'namespace', externalId: o.namespace, name: o.namespace, parentId: null });
    }
    const ids1 = await this.resources.ensure(tenantId, level1);
    const byKey1 = new Map(level1.map((r, i) => [`${r.kind}:${r.externalId}`, ids1[i] as number]));
    const level2: ResourceRef[] = [];
    for (const { o } of locals) {
      if (o.containerId) {
        level2.push({
          kind: 'container',
          externalId: o.containerId,
          name: o.containerId.slice(0, 12),
          parentId: o.podUid ? (byKey1.get(`pod:${o.podUid}`) ?? null) : hostId,
        });
      }
      if (o.service) {
        level2.push({
          kind: 'service',
          externalId: `${o.namespace}/${o.service}`,
          name: o.service,
          parentId: o.namespace ? (byKey1.get(`namespace:${o.namespace}`) ?? null) : null,
        });
      }
    }
    const ids2 = await this.resources.ensure(tenantId, level2);
    const byKey2 = new Map(level2.map((r, i) => [`${r.kind}:${r.externalId}`, ids2[i] as number]));
    const processes: ResourceRef[] = locals.map(({ o }) => ({
      kind: 'process',
      // pids are reused: the start time (or, from agents that do not send it, the name) tells two apart.
      externalId: `${hostId}:${o.pid}:${o.processStartTime || o.processName}`,
      name: o.processName || String(o.pid),
      // A process in a pod-level cgroup (no container id) still belongs to its pod: that is where its namespace is.
      parentId: o.containerId
        ? (byKey2.get(`container:${o.containerId}`) ?? hostId)
        : o.podUid
          ? (byKey1.get(`pod:${o.podUid}`) ?? hostId)
          : hostId,
    }));
    const ids3 = await this.resources.ensure(tenantId, processes);
    for (let i = 0; i < locals.length; i++) {
      const l = locals[i] as { o: ObservedIdentity; processId: number };
      l.processId = ids3[i] as number;
    }
    // Namespace and service ids by `<kind>:<external id>`, for the tag vectors.
    return new Map([...byKey1, ...byKey2]);
  }

  private localVector(
    tenantId: number,
    hostTags: TagVector,
    l: { o: ObservedIdentity; processId: number },
    named: Map<string, number>,
  ): TagVector {
    const v = emptyTags();
    const chain = this.resources.cachedTags(tenantId, l.processId);
    if (chain) v.set(chain);
    if (v[KIND_INDEX.process] === 0) v[KIND_INDEX.process] = l.processId;
    if (l.o.service && v[KIND_INDEX.service] === 0) {
      v[KIND_INDEX.service] = named.get(`service:${l.o.namespace}/${l.o.service}`) ?? 0;
    }
    if (l.o.namespace && v[KIND_INDEX.namespace] === 0) {
      v[KIND_INDEX.namespace] = named.get(`namespace:${l.o.namespace}`) ?? 0;
    }
    fillTags(v, hostTags);
    return v;
  }
}
