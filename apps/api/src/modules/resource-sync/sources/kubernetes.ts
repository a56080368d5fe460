import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  Watch,
} from '@kubernetes/client-node';
import { K8S_PATHS, K8S_TYPES, type K8sObject, type K8sType, KubernetesModel } from './kubernetes-model.js';
import {
  type ConnectorSource,
  type DiscoveredResource,
  type SourceChange,
  SourceError,
  type SourceListing,
} from './source-types.js';

/** Connector configuration (stored in `Connector.config`, no secrets). */
export interface KubernetesConfig {
  /** API server URL, e.g. https://10.0.0.1:6443. */
  server: string;
  /** Shown as the cluster resource's name; defaults to the connector's name. */
  clusterName?: string;
  /** PEM of the cluster CA (base64 or plain); without it the system CAs are used. */
  caData?: string;
  /**
   * For clusters with self-signed certificates and no CA given (discouraged, but common in labs); also required
   * for a plain http:// server (the client refuses to send a token in the clear otherwise).
   */
  insecureSkipTlsVerify?: boolean;
  /** Objects per list page. Default 500. */
  pageSize?: number;
}

/** Connector credentials (sealed in `Connector.credentials`). */
export interface KubernetesCredentials {
  token?: string;
  clientCertificate?: string;
  clientKey?: string;
}

type ListFn = (args: { limit: number; _continue?: string }) => Promise<KubernetesListObject<KubernetesObject>>;

/**
 * A Kubernetes cluster through @kubernetes/client-node: paged lists of every followed type (a page that fails
 * fails the whole listing), then one watch per type from the listing's resourceVersion with bookmarks. A watch
 * answering 410 Gone (or an ERROR event with code 410) rejects with code `expired`: the supervisor relists.
 */
export class KubernetesSource implements ConnectorSource {
  private readonly kc = new KubeConfig();
  private readonly lists: Record<K8sType, ListFn>;
  private readonly model: KubernetesModel;
  private readonly pageSize: number;

  constructor(
    connectorId: string,
    connectorName: string,
    config: KubernetesConfig,
    credentials: KubernetesCredentials,
  ) {
    if (typeof config.server !== 'string' || !/^https?:\/\//.test(config.server)) {
      throw new SourceError('config.server must be the API server URL (https://…)', 'config', false);
    }
    this.kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: config.server.replace(/\/+$/, ''),
          caData: config.caData,
          skipTLSVerify: config.insecureSkipTlsVerify === true,
        },
      ],
      users: [
        {
          name: 'u',
          token: credentials.token,
          certData: credentials.clientCertificate,
          keyData: credentials.clientKey,
        },
      ],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    this.pageSize = Math.min(Math.max(config.pageSize ?? 500, 1), 5000);
    this.model = new KubernetesModel(
      { kind: 'cluster', externalId: `k8s:${connectorId}` },
      config.clusterName || connectorName,
    );
    const core = this.kc.makeApiClient(CoreV1Api);
    const apps = this.kc.makeApiClient(AppsV1Api);
    const discovery = this.kc.makeApiClient(DiscoveryV1Api);
    const asList = <T>(p: Promise<T>) => p as unknown as Promise<KubernetesListObject<KubernetesObject>>;
    this.lists = {
      namespaces: (a) => asList(core.listNamespace(a)),
      nodes: (a) => asList(core.listNode(a)),
      pods: (a) => asList(core.listPodForAllNamespaces(a)),
      services: (a) => asList(core.listServiceForAllNamespaces(a)),
      deployments: (a) => asList(apps.listDeploymentForAllNamespaces(a)),
      statefulsets: (a) => asList(apps.listStatefulSetForAllNamespaces(a)),
      daemonsets: (a) => asList(apps.listDaemonSetForAllNamespaces(a)),
      replicasets: (a) => asList(apps.listReplicaSetForAllNamespaces(a)),
      endpointslices: (a) => asList(discovery.listEndpointSliceForAllNamespaces(a)),
    };
  }

  async test(): Promise<void> {
    await classify(() => this.lists.namespaces({ limit: 1 }), 'namespaces');
  }

  async list(signal?: AbortSignal): Promise<SourceListing> {
    this.model.reset();
    const resources: DiscoveredResource[] = [this.model.cluster()];
    const cursors: Record<string, string> = {};
    for (const type of K8S_TYPES) {
      let cont: string | undefined;
      let version: string | undefined;
      do {
        if (signal?.aborted) throw new SourceError('listing aborted', 'partial', true);
        const page = await classify(() => this.lists[type]({ limit: this.pageSize, _continue: cont }), type);
        if (!page || !Array.isArray(page.items)) {
          throw new SourceError(`malformed ${type} list: no items array`, 'malformed', true);
        }
        // A consistent paged list reports the first page's version; that is where the watch starts.
        version ??= page.metadata?.resourceVersion;
        for (const item of page.items) resources.push(...this.model.upsert(type, item as K8sObject));
        cont = page.metadata?._continue || undefined;
      } while (cont);
      if (!version) throw new SourceError(`malformed ${type} list: no metadata.resourceVersion`, 'malformed', true);
      cursors[type] = version;
    }
    return { resources, cursors };
  }

  /**
   * One watch per type from its cursor; resolves when any of them ends cleanly (the supervisor resumes from the
   * cursors it was given through `onChange`), rejects on the first error. All watches stop together.
   */
  async watch(
    cursors: Record<string, string>,
    onChange: (c: SourceChange) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const local = new AbortController();
    const stop = () => local.abort();
    signal.addEventListener('abort', stop, { once: true });
    const watcher = new Watch(this.kc);
    const controllers: AbortController[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        local.signal.addEventListener('abort', () => resolve(), { once: true });
        for (const type of K8S_TYPES) {
          const rv = cursors[type];
          if (!rv) {
            reject(new SourceError(`no resourceVersion for ${type}: relist`, 'expired', true));
            return;
          }
          const fail = (err: unknown) => {
            reject(err);
            stop();
          };
          watcher
            .watch(
              K8S_PATHS[type],
              { resourceVersion: rv, allowWatchBookmarks: true },
              (phase: string, obj: K8sObject) => {
                try {
                  this.event(type, phase, obj, onChange);
                } catch (err) {
                  fail(err);
                }
              },
              (err: unknown) => {
                if (err) fail(watchError(err, type));
                else if (!local.signal.aborted) {
                  resolve();
                  stop();
                }
              },
            )
            .then((c) => {
              controllers.push(c);
              if (local.signal.aborted) c.abort();
            }, fail);
        }
      });
    } finally {
      signal.removeEventListener('abort', stop);
      local.abort();
      for (const c of controllers) c.abort();
    }
  }

  private event(type: K8sType, phase: string, obj: K8sObject, onChange: (c: SourceChange) => void): void {
    const rv = obj?.metadata?.resourceVersion;
    const cursor = rv ? { type, value: rv } : undefined;
    switch (phase) {
      case 'ADDED':
      case 'MODIFIED':
        for (const resource of this.model.upsert(type, obj)) onChange({ type: 'upsert', resource, cursor });
        return;
      case 'DELETED': {
        const { deleted, changed } = this.model.remove(type, obj);
        for (const key of deleted)
          onChange({ type: 'delete', key: { kind: key.kind, externalId: key.externalId }, cursor });
        for (const resource of changed) onChange({ type: 'upsert', resource, cursor });
        return;
      }
      case 'BOOKMARK':
        // Only the version moves; nothing changed.
        if (cursor) onChange({ type: 'cursor', cursor });
        return;
      case 'ERROR': {
        const status = obj as unknown as { code?: number; message?: string; reason?: string };
        if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') {
          throw new SourceError(`${type} watch: resourceVersion too old (410): relist`, 'expired', true);
        }
        throw new SourceError(`${type} watch error: ${status.message ?? 'unknown'}`, 'unreachable', true);
      }
      default:
        throw new SourceError(`${type} watch: unknown event type ${String(phase)}`, 'malformed', true);
    }
  }
}

async function classify<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toSourceError(err, what);
  }
}

function watchError(err: unknown, type: K8sType): SourceError {
  if (err instanceof SourceError) return err;
  const code = (err as { statusCode?: number }).statusCode;
  if (code === 410) return new SourceError(`${type} watch: 410 Gone: relist`, 'expired', true);
  return toSourceError(err, `${type} watch`);
}

function toSourceError(err: unknown, what: string): SourceError {
  if (err instanceof SourceError) return err;
  if (err instanceof ApiException) {
    const code = err.code;
    if (code === 401 || code === 403) {
      return new SourceError(`${what}: ${code} (credentials rejected)`, 'unauthorized', false);
    }
    if (code === 410) return new SourceError(`${what}: 410 Gone (list continue expired)`, 'expired', true);
    if (code === 429) {
      const after = Number(err.headers?.['retry-after']);
      return new SourceError(
        `${what}: 429 rate limited`,
        'rate_limited',
        true,
        Number.isFinite(after) ? after * 1000 : undefined,
      );
    }
    if (code >= 200 && code < 300) return new SourceError(`${what}: malformed response`, 'malformed', true);
    return new SourceError(`${what}: HTTP ${code}`, code >= 500 ? 'unreachable' : 'malformed', code >= 500);
  }
  if (err instanceof SyntaxError) return new SourceError(`${what}: malformed JSON (${err.message})`, 'malformed', true);
  const message = err instanceof Error ? err.message : String(err);
  return new SourceError(`${what}: ${message}`, 'unreachable', true);
}
