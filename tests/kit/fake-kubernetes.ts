import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Kubernetes API server for the types the connector follows, speaking the real wire format and
 * semantics: `GET <collection>` lists with `metadata.resourceVersion` and `limit`/`continue` paging;
 * `?watch=true&resourceVersion=N` streams newline-delimited JSON events (ADDED/MODIFIED/DELETED/BOOKMARK) over a
 * chunked response, replaying what happened after N; a version older than the retained history answers an
 * `ERROR` event carrying a 410 `Status` (what etcd compaction produces); bearer tokens are checked (401 Status).
 * Faults are injected per test: 5xx or malformed JSON on the next list, streams broken midway, compaction.
 */
export const COLLECTIONS: Record<string, { kind: string; apiVersion: string }> = {
  '/api/v1/namespaces': { kind: 'Namespace', apiVersion: 'v1' },
  '/api/v1/nodes': { kind: 'Node', apiVersion: 'v1' },
  '/api/v1/pods': { kind: 'Pod', apiVersion: 'v1' },
  '/api/v1/services': { kind: 'Service', apiVersion: 'v1' },
  '/apis/apps/v1/deployments': { kind: 'Deployment', apiVersion: 'apps/v1' },
  '/apis/apps/v1/statefulsets': { kind: 'StatefulSet', apiVersion: 'apps/v1' },
  '/apis/apps/v1/daemonsets': { kind: 'DaemonSet', apiVersion: 'apps/v1' },
  '/apis/apps/v1/replicasets': { kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  '/apis/discovery.k8s.io/v1/endpointslices': { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' },
};
export type Collection = keyof typeof COLLECTIONS;

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects of many shapes
export type K8sObj = Record<string, any> & {
  // biome-ignore lint/suspicious/noExplicitAny: labels, owners, timestamps …
  metadata: Record<string, any> & { uid: string; name: string; namespace?: string };
};

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface StoredEvent {
  rv: number;
  path: string;
  type: EventType;
  object: K8sObj;
}

interface Watcher {
  path: string;
  res: ServerResponse;
  bookmarks: boolean;
}

export type ListFault = { status: number } | { malformed: true } | { truncateAfterPage: number };

export class FakeKubernetes {
  private server: Server;
  private rv = 1000;
  private objects = new Map<string, Map<string, K8sObj>>();
  private history: StoredEvent[] = [];
  /** Events with rv ≤ this are compacted: a watch from before answers 410. */
  private compactedThrough = 0;
  private watchers = new Set<Watcher>();
  private listFaults = new Map<string, ListFault[]>();
  /** Paged lists: continue token → snapshot remaining. */
  private continues = new Map<string, { items: K8sObj[]; rv: number }>();
  readonly requests: { method: string; url: string; auth: string }[] = [];
  token: string;
  url = '';

  constructor(token = `fake-${randomUUID()}`) {
    this.token = token;
    for (const p of Object.keys(COLLECTIONS)) this.objects.set(p, new Map());
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /** Creates (or replaces) an object and tells every watcher of its collection. */
  put(path: Collection, obj: K8sObj): K8sObj {
    const store = this.objects.get(path) as Map<string, K8sObj>;
    const type: EventType = store.has(obj.metadata.uid) ? 'MODIFIED' : 'ADDED';
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    store.set(obj.metadata.uid, stored);
    this.emit({ rv: this.rv, path, type, object: stored });
    return stored;
  }

  remove(path: Collection, uid: string): void {
    const store = this.objects.get(path) as Map<string, K8sObj>;
    const obj = store.get(uid);
    if (!obj) return;
    store.delete(uid);
    const gone = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ rv: this.rv, path, type: 'DELETED', object: gone });
  }

  /** The next list requests of `path` fail this way, in order. */
  failList(path: Collection, ...faults: ListFault[]): void {
    this.listFaults.set(path, [...(this.listFaults.get(path) ?? []), ...faults]);
  }

  /** Cuts every open watch stream mid-line (a proxy or the API server dying). */
  breakWatches(): void {
    for (const w of this.watchers) {
      w.res.write('{"type":"MODIFIED","object":{"metadata":');
      w.res.destroy();
    }
    this.watchers.clear();
  }

  /**
   * etcd compaction: history up to now is gone. Open watches get an ERROR event with a 410 Status and end, as a
   * real API server does when a watcher falls behind; resuming from any older version answers the same.
   */
  compact(): void {
    this.compactedThrough = this.rv;
    this.history = [];
    for (const w of this.watchers) {
      w.res.end(`${JSON.stringify(expiredEvent(this.rv))}\n`);
    }
    this.watchers.clear();
  }

  /** Sends a BOOKMARK to every watcher that asked for them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      const { kind, apiVersion } = COLLECTIONS[w.path] as { kind: string; apiVersion: string };
      w.res.write(
        `${JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata: { resourceVersion: String(this.rv) } } })}\n`,
      );
    }
  }

  private emit(e: StoredEvent): void {
    this.history.push(e);
    if (this.history.length > 100_000) this.history.splice(0, 50_000);
    for (const w of this.watchers) {
      if (w.path === e.path) w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = String(req.headers.authorization ?? '');
    this.requests.push({ method: req.method ?? 'GET', url: req.url ?? '', auth });
    if (auth !== `Bearer ${this.token}`) {
      status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const path = url.pathname;
    const meta = COLLECTIONS[path];
    if (!meta || req.method !== 'GET') {
      status(res, 404, 'NotFound', `the server could not find ${path}`);
      return;
    }
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      this.watch(path, url, res);
      return;
    }
    const fault = this.listFaults.get(path)?.shift();
    if (fault && 'status' in fault) {
      status(res, fault.status, 'InternalError', 'injected failure');
      return;
    }
    if (fault && 'malformed' in fault) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"kind":"List","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"uid":');
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? 0);
    const token = url.searchParams.get('continue');
    let items: K8sObj[];
    let rv: number;
    if (token) {
      const snap = this.continues.get(token);
      if (!snap) {
        status(res, 410, 'Expired', 'The provided continue parameter is too old');
        return;
      }
      this.continues.delete(token);
      items = snap.items;
      rv = snap.rv;
    } else {
      items = [...(this.objects.get(path) as Map<string, K8sObj>).values()];
      rv = this.rv;
    }
    let next: string | undefined;
    if (limit > 0 && items.length > limit) {
      next = randomUUID();
      this.continues.set(next, { items: items.slice(limit), rv });
      items = items.slice(0, limit);
      if (fault && 'truncateAfterPage' in fault) {
        // A page that never completes: the connection drops after the headers and part of the body.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"kind":"List","metadata":{"resourceVersion":"');
        res.destroy();
        return;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: `${meta.kind}List`,
        apiVersion: meta.apiVersion,
        metadata: { resourceVersion: String(rv), ...(next ? { continue: next } : {}) },
        items: items.map((o) => ({ kind: meta.kind, apiVersion: meta.apiVersion, ...o })),
      }),
    );
  }

  private watch(path: string, url: URL, res: ServerResponse): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? 0);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (from && from < this.compactedThrough) {
      res.end(`${JSON.stringify(expiredEvent(this.rv))}\n`);
      return;
    }
    for (const e of this.history) {
      if (e.path === path && e.rv > from) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    }
    const w: Watcher = { path, res, bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true' };
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
  }
}

function expiredEvent(rv: number) {
  return {
    type: 'ERROR',
    object: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: (${rv})`,
      reason: 'Expired',
      code: 410,
    },
  };
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

/** Object builders with the fields the connector reads, shaped like the real API's. */
export const k8s = {
  namespace: (name: string): K8sObj => ({
    metadata: { uid: randomUUID(), name, labels: { 'kubernetes.io/metadata.name': name } },
    status: { phase: 'Active' },
  }),
  deployment: (ns: string, name: string, labels: Record<string, string> = {}): K8sObj => ({
    metadata: { uid: randomUUID(), name, namespace: ns, labels },
    spec: { replicas: 1, selector: { matchLabels: labels } },
  }),
  replicaSet: (ns: string, name: string, owner: K8sObj): K8sObj => ({
    metadata: {
      uid: randomUUID(),
      name,
      namespace: ns,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: owner.metadata.name,
          uid: owner.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: { replicas: 1 },
  }),
  pod: (ns: string, name: string, ip: string, owner: K8sObj, labels: Record<string, string> = {}): K8sObj => ({
    metadata: {
      uid: randomUUID(),
      name,
      namespace: ns,
      labels,
      creationTimestamp: new Date().toISOString(),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: owner.kind ?? 'ReplicaSet',
          name: owner.metadata.name,
          uid: owner.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'app:1' }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: new Date().toISOString() },
  }),
  service: (ns: string, name: string, clusterIP: string, selector: Record<string, string> = {}): K8sObj => ({
    metadata: { uid: randomUUID(), name, namespace: ns },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], selector, ports: [{ port: 80, protocol: 'TCP' }] },
  }),
  endpointSlice: (ns: string, service: string, pods: K8sObj[]): K8sObj => ({
    metadata: {
      uid: randomUUID(),
      name: `${service}-${Math.random().toString(36).slice(2, 7)}`,
      namespace: ns,
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType: 'IPv4',
    endpoints: pods.map((p) => ({
      addresses: [p.status.podIP],
      conditions: { ready: true },
      targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns, uid: p.metadata.uid },
    })),
    ports: [{ port: 8080, protocol: 'TCP' }],
  }),
  node: (name: string, machineId: string, ip: string): K8sObj => ({
    metadata: { uid: randomUUID(), name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: { machineID: machineId, kubeletVersion: 'v1.31.0', osImage: 'Debian GNU/Linux 12' },
    },
  }),
};
