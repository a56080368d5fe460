import type { DiscoveredResource, ResourceKey } from './source-types.js';
import { SourceError } from './source-types.js';

/**
 * The object types the Kubernetes source follows, in the order a listing reads them (owners before what they own,
 * so one listing resolves pod → replicaset → deployment without a second pass).
 */
export const K8S_TYPES = [
  'namespaces',
  'nodes',
  'deployments',
  'statefulsets',
  'daemonsets',
  'replicasets',
  'pods',
  'services',
  'endpointslices',
] as const;
export type K8sType = (typeof K8S_TYPES)[number];

/** API paths for list and watch (cluster-wide). */
export const K8S_PATHS: Record<K8sType, string> = {
  namespaces: '/api/v1/namespaces',
  nodes: '/api/v1/nodes',
  pods: '/api/v1/pods',
  services: '/api/v1/services',
  deployments: '/apis/apps/v1/deployments',
  statefulsets: '/apis/apps/v1/statefulsets',
  daemonsets: '/apis/apps/v1/daemonsets',
  replicasets: '/apis/apps/v1/replicasets',
  endpointslices: '/apis/discovery.k8s.io/v1/endpointslices',
};

/** What the source reads of any object; everything else stays opaque. */
export interface K8sObject {
  metadata?: {
    uid?: string;
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; uid?: string; controller?: boolean }[];
    creationTimestamp?: string | Date;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  // EndpointSlice keeps these at the top level.
  endpoints?: { addresses?: string[]; targetRef?: { kind?: string; uid?: string; name?: string } }[];
  addressType?: string;
}

interface Owner {
  key: ResourceKey;
}

/**
 * The cluster as last seen, turned into DiscoveredResources. Kept between events because a pod's workload needs
 * its ReplicaSet's owner and a service's members come from its EndpointSlices; bounded by the cluster's own size
 * (per ReplicaSet and per slice a few strings, never per-pod objects except pods waiting for their owner).
 */
export class KubernetesModel {
  /** ReplicaSet uid → the workload that owns it (a Deployment), or the ReplicaSet itself as a workload. */
  private replicaSets = new Map<string, Owner>();
  /** Service `<ns>/<name>` → the service as discovered, without members. */
  private services = new Map<string, DiscoveredResource>();
  /** EndpointSlice uid → its service key and the pod uids it lists. */
  private slices = new Map<string, { service: string; pods: string[] }>();
  /** Pods whose ReplicaSet had not been seen yet: re-emitted when it arrives. */
  private waitingForOwner = new Map<string, { rsUid: string; pod: K8sObject }>();

  constructor(
    readonly clusterKey: ResourceKey,
    private readonly clusterName: string,
  ) {}

  cluster(): DiscoveredResource {
    return { ...this.clusterKey, name: this.clusterName, labels: {}, attributes: { source: 'kubernetes' } };
  }

  /** An object of `type` was listed or ADDED/MODIFIED: the resources it produces (possibly none, possibly several). */
  upsert(type: K8sType, obj: K8sObject): DiscoveredResource[] {
    const m = meta(obj, type);
    switch (type) {
      case 'namespaces':
        return [
          {
            kind: 'namespace',
            externalId: m.name,
            name: m.name,
            labels: m.labels,
            attributes: { uid: m.uid, annotations: m.annotations, phase: str(rec(obj.status).phase) },
            parent: this.clusterKey,
          },
        ];
      case 'nodes': {
        const status = rec(obj.status);
        const info = rec(status.nodeInfo);
        const machineId = str(info.machineID);
        const addresses = list(status.addresses);
        return [
          {
            // The agent names its host by machine id: the node and the agent's host are one resource.
            kind: 'host',
            externalId: machineId ? `machine:${machineId}` : `k8s-node:${m.uid}`,
            name: m.name,
            labels: m.labels,
            attributes: {
              uid: m.uid,
              annotations: m.annotations,
              kubeletVersion: str(info.kubeletVersion),
              osImage: str(info.osImage),
              node: m.name,
            },
            parent: this.clusterKey,
            ips: addresses
              .filter((a) => (a.type === 'InternalIP' || a.type === 'ExternalIP') && typeof a.address === 'string')
              .map((a) => a.address as string),
          },
        ];
      }
      case 'deployments':
      case 'statefulsets':
      case 'daemonsets':
        return [this.workload(type, obj, m)];
      case 'replicasets': {
        const owner = controllerOf(obj);
        const key: ResourceKey =
          owner?.kind === 'Deployment' && owner.uid
            ? { kind: 'workload', externalId: owner.uid }
            : { kind: 'workload', externalId: m.uid };
        this.replicaSets.set(m.uid, { key });
        const out: DiscoveredResource[] = [];
        // A ReplicaSet nobody owns is the workload itself.
        if (key.externalId === m.uid) out.push(this.workload('replicasets', obj, m));
        for (const [podUid, w] of this.waitingForOwner) {
          if (w.rsUid !== m.uid) continue;
          this.waitingForOwner.delete(podUid);
          out.push(...this.upsert('pods', w.pod));
        }
        return out;
      }
      case 'pods':
        return [this.pod(obj, m)];
      case 'services': {
        const spec = rec(obj.spec);
        const ips = (Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP]).filter(
          (ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None',
        );
        const svc: DiscoveredResource = {
          kind: 'service',
          // The agent names a service `<namespace>/<name>`: both sources describe one row.
          externalId: `${m.namespace}/${m.name}`,
          name: m.name,
          labels: m.labels,
          attributes: {
            uid: m.uid,
            namespace: m.namespace,
            annotations: m.annotations,
            type: str(spec.type),
            selector: spec.selector ?? {},
            ports: spec.ports ?? [],
          },
          parent: { kind: 'namespace', externalId: m.namespace },
          ips,
        };
        this.services.set(svc.externalId, svc);
        return [this.withMembers(svc)];
      }
      case 'endpointslices': {
        const service = m.labels['kubernetes.io/service-name'];
        if (!service) return [];
        const pods = list(obj.endpoints)
          .map((e) => rec(e.targetRef))
          .map((ref) => (ref.kind === 'Pod' ? ref.uid : undefined))
          .filter((u): u is string => typeof u === 'string' && u !== '');
        const key = `${m.namespace}/${service}`;
        this.slices.set(m.uid, { service: key, pods });
        const svc = this.services.get(key);
        return svc ? [this.withMembers(svc)] : [];
      }
    }
  }

  /** An object was DELETED: the resource keys to tombstone, or resources to re-emit (a service losing a slice). */
  remove(type: K8sType, obj: K8sObject): { deleted: ResourceKey[]; changed: DiscoveredResource[] } {
    const m = meta(obj, type);
    switch (type) {
      case 'namespaces':
        return { deleted: [{ kind: 'namespace', externalId: m.name }], changed: [] };
      case 'nodes':
        return { deleted: [this.upsert('nodes', obj)[0] as ResourceKey], changed: [] };
      case 'deployments':
      case 'statefulsets':
      case 'daemonsets':
        return { deleted: [{ kind: 'workload', externalId: m.uid }], changed: [] };
      case 'replicasets': {
        const owner = this.replicaSets.get(m.uid);
        this.replicaSets.delete(m.uid);
        const ownItself = owner?.key.externalId === m.uid;
        return { deleted: ownItself ? [{ kind: 'workload', externalId: m.uid }] : [], changed: [] };
      }
      case 'pods':
        this.waitingForOwner.delete(m.uid);
        return { deleted: [{ kind: 'pod', externalId: m.uid }], changed: [] };
      case 'services': {
        const key = `${m.namespace}/${m.name}`;
        this.services.delete(key);
        return { deleted: [{ kind: 'service', externalId: key }], changed: [] };
      }
      case 'endpointslices': {
        const slice = this.slices.get(m.uid);
        this.slices.delete(m.uid);
        const svc = slice && this.services.get(slice.service);
        return { deleted: [], changed: svc ? [this.withMembers(svc)] : [] };
      }
    }
  }

  /** Drops what a previous listing left (a relist rebuilds it from scratch). */
  reset(): void {
    this.replicaSets.clear();
    this.services.clear();
    this.slices.clear();
    this.waitingForOwner.clear();
  }

  private withMembers(svc: DiscoveredResource): DiscoveredResource {
    const members = new Map<string, ResourceKey>();
    for (const s of this.slices.values()) {
      if (s.service !== svc.externalId) continue;
      for (const uid of s.pods) members.set(uid, { kind: 'pod', externalId: uid });
    }
    return { ...svc, members: [...members.values()] };
  }

  private workload(type: K8sType, obj: K8sObject, m: Meta): DiscoveredResource {
    const workloadKind = { deployments: 'Deployment', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet' }[
      type as 'deployments'
    ];
    return {
      kind: 'workload',
      externalId: m.uid,
      name: m.name,
      labels: m.labels,
      attributes: {
        workloadKind: workloadKind ?? 'ReplicaSet',
        namespace: m.namespace,
        annotations: m.annotations,
        replicas: typeof rec(obj.spec).replicas === 'number' ? rec(obj.spec).replicas : null,
      },
      parent: { kind: 'namespace', externalId: m.namespace },
    };
  }

  private pod(obj: K8sObject, m: Meta): DiscoveredResource {
    const owner = controllerOf(obj);
    let parent: ResourceKey = { kind: 'namespace', externalId: m.namespace };
    if (owner?.uid && owner.kind === 'ReplicaSet') {
      const rs = this.replicaSets.get(owner.uid);
      if (rs) parent = rs.key;
      else this.waitingForOwner.set(m.uid, { rsUid: owner.uid, pod: obj });
    } else if (owner?.uid && (owner.kind === 'StatefulSet' || owner.kind === 'DaemonSet')) {
      parent = { kind: 'workload', externalId: owner.uid };
    }
    const spec = rec(obj.spec);
    const status = rec(obj.status);
    const podIps = Array.isArray(status.podIPs) ? list(status.podIPs).map((p) => p.ip) : [status.podIP];
    const phase = str(status.phase);
    // A host-network pod holds its node's addresses: mapping them to the pod would steal the host's traffic.
    // A finished pod holds no address any more (the IP may already belong to a new pod).
    const holdsIps = spec.hostNetwork !== true && phase !== 'Succeeded' && phase !== 'Failed';
    const startTime = timeText(status.startTime);
    return {
      kind: 'pod',
      externalId: m.uid,
      name: m.name,
      labels: m.labels,
      attributes: {
        namespace: m.namespace,
        annotations: m.annotations,
        node: str(spec.nodeName),
        phase,
        ownerKind: owner?.kind ?? null,
        ownerName: owner?.name ?? null,
      },
      parent,
      ips: holdsIps ? podIps.filter((ip): ip is string => typeof ip === 'string' && ip !== '') : [],
      ...(startTime ? { ipsSince: startTime } : {}),
    };
  }
}

interface Meta {
  uid: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The identity every object must have; anything else is a malformed response, never silently skipped. */
export function meta(obj: K8sObject, type: K8sType): Meta {
  const m = obj?.metadata;
  if (!m || typeof m.uid !== 'string' || m.uid === '' || typeof m.name !== 'string' || m.name === '') {
    throw new SourceError(`malformed ${type} object: metadata.uid and metadata.name are required`, 'malformed', true);
  }
  const namespaced = type !== 'namespaces' && type !== 'nodes';
  if (namespaced && (typeof m.namespace !== 'string' || m.namespace === '')) {
    throw new SourceError(`malformed ${type} object ${m.name}: metadata.namespace is required`, 'malformed', true);
  }
  return {
    uid: m.uid,
    name: m.name,
    namespace: m.namespace ?? '',
    labels: stringMap(m.labels),
    annotations: stringMap(m.annotations),
  };
}

function controllerOf(obj: K8sObject): { kind?: string; name?: string; uid?: string } | undefined {
  const refs = list(obj.metadata?.ownerReferences).map((r) => ({
    kind: str(r.kind) ?? undefined,
    name: str(r.name) ?? undefined,
    uid: str(r.uid) ?? undefined,
    controller: r.controller === true,
  }));
  return refs.find((r) => r.controller) ?? refs[0];
}

/** A JSON object, or an empty one for anything else (null, arrays, scalars). */
function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The objects of a JSON array; anything else is an empty list. */
function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x)) : [];
}

function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The typed client turns timestamps into Dates, the raw watch stream leaves them as text: one spelling. */
function timeText(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : undefined;
  if (typeof v === 'string') {
    const d = new Date(v);
    return Number.isFinite(d.getTime()) ? d.toISOString() : undefined;
  }
  return undefined;
}
