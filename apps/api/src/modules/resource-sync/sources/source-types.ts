/**
 * What every connector source (Kubernetes, AWS, NetBox, file import) produces, and what the sync engine consumes.
 * Sources only read the outside system and describe what they found; they never touch Postgres, so a source that
 * fails midway cannot delete or corrupt anything: the engine applies a listing only when it is complete.
 */

/** Kinds a source may report. `subnet`, `load_balancer` and `application` extend the agent-side kinds. */
export type DiscoveredKind =
  | 'region'
  | 'az'
  | 'vpc'
  | 'subnet'
  | 'host'
  | 'cluster'
  | 'namespace'
  | 'workload'
  | 'pod'
  | 'container'
  | 'service'
  | 'load_balancer'
  | 'application';

/** A reference to another resource of the same source, by its identity there. */
export interface ResourceKey {
  kind: DiscoveredKind;
  externalId: string;
}

export interface DiscoveredResource extends ResourceKey {
  name: string;
  /** The source's labels/tags (Kubernetes labels, EC2 tags, NetBox tags and custom fields flattened to strings). */
  labels: Record<string, string>;
  /** Everything else worth keeping (annotations, instance type, status, CIDR, ports, selectors …), JSON-safe. */
  attributes: Record<string, unknown>;
  /** The enclosing resource in the hierarchy (region > az > vpc > subnet > host > pod; namespace > workload > pod). */
  parent?: ResourceKey;
  /** IPs (and, for subnets/VPCs, CIDRs) this resource holds now; canonical text form. */
  ips?: string[];
  cidrs?: string[];
  /**
   * Optional, ISO time: since when it holds `ips` (a pod's start). New mappings start there rather than at sync
   * time, so rows observed between the pod's start and the sync (late or replayed batches) still tag.
   */
  ipsSince?: string;
  /** Services → the workloads/pods they select (by key), resolved by the source. */
  members?: ResourceKey[];
}

/** One complete listing of everything a source can see (a partial listing is an error, never a listing). */
export interface SourceListing {
  resources: DiscoveredResource[];
  /** Per resource type the source's bookkeeping cursor (Kubernetes resourceVersion), kept for the next watch. */
  cursors?: Record<string, string>;
}

/** A change seen between listings (Kubernetes watch events). */
export type SourceChange =
  | { type: 'upsert'; resource: DiscoveredResource; cursor?: { type: string; value: string } }
  | { type: 'delete'; key: ResourceKey; cursor?: { type: string; value: string } }
  /** Only the cursor moved (a Kubernetes BOOKMARK): nothing to apply, but resume from here. */
  | { type: 'cursor'; cursor: { type: string; value: string } };

/** Errors a source reports; `retryable` tells the scheduler whether backing off can help. */
export class SourceError extends Error {
  constructor(
    message: string,
    /** `expired`: the cursor is too old (Kubernetes 410 Gone): relist instead of resuming. */
    readonly code: 'unreachable' | 'unauthorized' | 'rate_limited' | 'malformed' | 'partial' | 'config' | 'expired',
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

export interface ConnectorSource {
  /** Cheap check that the endpoint answers and the credentials are accepted (the console's "test connection"). */
  test(signal?: AbortSignal): Promise<void>;
  /** A complete listing; rejects with SourceError on any failure, including a partial page. */
  list(signal?: AbortSignal): Promise<SourceListing>;
  /** Optional: follow changes after `list` (Kubernetes watch); resolves when the stream ends or the signal aborts. */
  watch?(cursors: Record<string, string>, onChange: (c: SourceChange) => void, signal: AbortSignal): Promise<void>;
}

/** What a source is built from: the connector's stored config and its decrypted credentials. */
export interface SourceContext {
  connectorId: string;
  connectorName: string;
  config: Record<string, unknown>;
  /** Decrypted from `Connector.credentials` (a JSON object of strings); empty when none were given. */
  credentials: Record<string, string>;
}

/** Builds a source for one connector; throws SourceError('config') on an unusable configuration. */
export type SourceFactory = (ctx: SourceContext) => ConnectorSource;
