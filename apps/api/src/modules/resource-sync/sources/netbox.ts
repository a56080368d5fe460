import { canonicalIp } from './ip-text.js';
import {
  describeSchemaError,
  type NetBoxHostObject,
  type NetBoxIpAddress,
  type NetBoxRef,
  type NetBoxService,
  type NetBoxTagged,
  type PageValidator,
  validateHostPage,
  validateIpAddressPage,
  validateServicePage,
} from './netbox-schema.js';
import { parseRetryAfter, readAllPages } from './paged-listing.js';
import {
  type ConnectorSource,
  type DiscoveredResource,
  type ResourceKey,
  SourceError,
  type SourceListing,
} from './source-types.js';

/**
 * NetBox (CMDB) connector source over its REST API: devices and virtual machines become hosts (under their site,
 * reported as a `region`, or their cluster), IP addresses assigned to their interfaces become the hosts' IPs, and
 * services become `service` resources whose members are their host. Tags and custom fields become labels
 * (`tag.<slug>` = "true", `cf.<name>` = value as text).
 */
export interface NetBoxConnectorConfig {
  /** Base URL of the NetBox instance (`https://netbox.example.com`, or with a base path). */
  url: string;
  /** Objects per page; NetBox caps it at MAX_PAGE_SIZE (1000 by default). */
  pageSize?: number;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
}

export interface NetBoxConnectorCredentials {
  token: string;
}

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** NetBox answers 1000 devices in a few MB; a page beyond this is not a NetBox page we want to hold in memory. */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;
const MAX_PAGES = 10_000;
/** NetBox sends Retry-After only behind some proxies; without it, the scheduler's first backoff step. */
const DEFAULT_RETRY_AFTER_MS = 5_000;
const MAX_LABEL_VALUE = 1024;

export function createNetBoxSource(config: unknown, credentials: unknown): ConnectorSource {
  return new NetBoxSource(parseNetBoxConfig(config), parseNetBoxCredentials(credentials));
}

export function parseNetBoxConfig(input: unknown): NetBoxConnectorConfig {
  if (typeof input !== 'object' || input === null) throw configError('config must be an object');
  const c = input as Record<string, unknown>;
  const url = typeof c['url'] === 'string' ? c['url'].trim() : '';
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw configError('config.url must be an http(s) URL');
  const out: NetBoxConnectorConfig = { url: url.replace(/\/+$/, '') };
  const pageSize = c['pageSize'];
  if (pageSize !== undefined) {
    if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw configError('config.pageSize must be an integer 1–1000');
    }
    out.pageSize = pageSize;
  }
  const timeout = c['requestTimeoutMs'];
  if (timeout !== undefined) {
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1000 || timeout > 300_000) {
      throw configError('config.requestTimeoutMs must be an integer 1000–300000');
    }
    out.requestTimeoutMs = timeout;
  }
  return out;
}

export function parseNetBoxCredentials(input: unknown): NetBoxConnectorCredentials {
  const token = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)['token'] : undefined;
  if (typeof token !== 'string' || !/^[\x21-\x7e]{8,256}$/.test(token.trim())) {
    throw configError('credentials.token must be a NetBox API token');
  }
  return { token: token.trim() };
}

export class NetBoxSource implements ConnectorSource {
  private readonly base: URL;
  private readonly authorization: string;

  constructor(
    private readonly config: NetBoxConnectorConfig,
    credentials: NetBoxConnectorCredentials,
  ) {
    this.base = new URL(`${config.url}/`);
    // NetBox ≥ 4.5 "v2" tokens (nbt_<key>.<secret>) use Bearer; classic tokens use the Token scheme.
    this.authorization = credentials.token.startsWith('nbt_')
      ? `Bearer ${credentials.token}`
      : `Token ${credentials.token}`;
  }

  async test(signal?: AbortSignal): Promise<void> {
    // Reading one device proves the URL, the token and the permission the sync needs most.
    await this.getPage('api/dcim/devices/?limit=1&exclude=config_context', validateHostPage, signal);
  }

  async list(signal?: AbortSignal): Promise<SourceListing> {
    const limit = this.config.pageSize ?? DEFAULT_PAGE_SIZE;
    const out = new NetBoxInventory();
    await this.readAll(
      'devices',
      `api/dcim/devices/?limit=${limit}&exclude=config_context`,
      validateHostPage,
      signal,
      (items) => {
        for (const d of items) out.addHost('device', d);
      },
    );
    await this.readAll(
      'virtual machines',
      `api/virtualization/virtual-machines/?limit=${limit}&exclude=config_context`,
      validateHostPage,
      signal,
      (items) => {
        for (const vm of items) out.addHost('vm', vm);
      },
    );
    await this.readAll(
      'IP addresses',
      `api/ipam/ip-addresses/?limit=${limit}`,
      validateIpAddressPage,
      signal,
      (items) => {
        for (const ip of items) out.addIpAddress(ip);
      },
    );
    await this.readAll('services', `api/ipam/services/?limit=${limit}`, validateServicePage, signal, (items) => {
      for (const s of items) out.addService(s);
    });
    return { resources: out.resources() };
  }

  private async readAll<T>(
    what: string,
    firstPath: string,
    validate: PageValidator<T>,
    signal: AbortSignal | undefined,
    onItems: (items: T[]) => void,
  ): Promise<void> {
    await readAllPages<T>({
      what: `NetBox ${what}`,
      maxPages: MAX_PAGES,
      signal,
      toSourceError: (err) =>
        err instanceof SourceError ? err : new SourceError(`NetBox ${what}: ${String(err)}`, 'unreachable', true),
      fetchPage: async (cursor) => {
        const page = await this.getPage(cursor ?? firstPath, validate, signal);
        return { items: page.results, next: page.next ? this.nextPath(page.next) : undefined };
      },
      onItems,
    });
  }

  /**
   * NetBox builds `next` from the request's Host and scheme, which a reverse proxy often gets wrong (http behind
   * TLS termination, an internal host name). Only its path and query are used, against the configured origin, so
   * the token is never sent anywhere else.
   */
  private nextPath(next: string): string {
    let url: URL;
    try {
      url = new URL(next, this.base);
    } catch {
      throw new SourceError(`NetBox: next link '${next.slice(0, 200)}' is not a URL`, 'malformed', true);
    }
    if (!url.pathname.startsWith(this.base.pathname)) {
      throw new SourceError(
        `NetBox: next link '${next.slice(0, 200)}' leaves ${this.base.pathname}`,
        'malformed',
        true,
      );
    }
    return `${url.pathname.slice(this.base.pathname.length)}${url.search}`;
  }

  private async getPage<T>(path: string, validate: PageValidator<T>, signal: AbortSignal | undefined) {
    const url = new URL(path, this.base);
    const timeout = AbortSignal.timeout(this.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const requestSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const where = `GET ${url.pathname}${url.search}`;
    let body: string;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { Authorization: this.authorization, Accept: 'application/json' },
        redirect: 'error',
        signal: requestSignal,
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw statusError(response, where);
      }
      body = await readBounded(response, MAX_PAGE_BYTES, where);
    } catch (err) {
      signal?.throwIfAborted();
      if (err instanceof SourceError) throw err;
      const reason = timeout.aborted ? 'timed out' : describeFetchError(err);
      throw new SourceError(`NetBox ${where}: ${reason}`, 'unreachable', true);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      const type = response.headers.get('content-type') ?? 'no content type';
      throw new SourceError(`NetBox ${where}: answer is not JSON (${type})`, 'malformed', true);
    }
    if (!validate(json)) {
      throw new SourceError(`NetBox ${where}: ${describeSchemaError(validate.errors)}`, 'malformed', true);
    }
    return json;
  }
}

function statusError(response: Response, where: string): SourceError {
  const s = response.status;
  const detail = `NetBox ${where}: HTTP ${s}`;
  if (s === 401 || s === 403)
    return new SourceError(`${detail} (token rejected or lacks permission)`, 'unauthorized', false);
  if (s === 429) {
    const after = parseRetryAfter(response.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_MS;
    return new SourceError(detail, 'rate_limited', true, after);
  }
  if (s >= 500)
    return new SourceError(detail, 'unreachable', true, parseRetryAfter(response.headers.get('retry-after')));
  // 404 and other client errors: a wrong base URL or a NetBox without that endpoint; retrying will not help.
  return new SourceError(detail, 'config', false);
}

async function readBounded(response: Response, limit: number, where: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit)
    throw new SourceError(`NetBox ${where}: page of ${declared} bytes exceeds ${limit}`, 'malformed', false);
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new SourceError(`NetBox ${where}: page exceeds ${limit} bytes`, 'malformed', false);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

const configError = (message: string): SourceError => new SourceError(message, 'config', false);

/** Accumulates NetBox objects into discovered resources as pages arrive (hosts first, then their IPs). */
export class NetBoxInventory {
  private readonly sites = new Map<number, DiscoveredResource>();
  private readonly clusters = new Map<number, DiscoveredResource>();
  private readonly hosts = new Map<string, DiscoveredResource & { ips: string[] }>();
  private readonly services = new Map<number, DiscoveredResource>();

  addHost(type: 'device' | 'vm', h: NetBoxHostObject): void {
    const externalId = `${type}:${h.id}`;
    const site = h.site ? this.site(h.site) : undefined;
    const cluster = h.cluster ? this.cluster(h.cluster, site) : undefined;
    const ips: string[] = [];
    for (const primary of [h.primary_ip4, h.primary_ip6]) if (primary) pushIp(ips, primary.address, externalId);
    const role = h.role ?? h.device_role;
    this.hosts.set(externalId, {
      kind: 'host',
      externalId,
      name: h.name || h.display || externalId,
      labels: labelsOf(h),
      attributes: compact({
        source: 'netbox',
        netboxType: type === 'device' ? 'dcim.device' : 'virtualization.virtualmachine',
        netboxId: h.id,
        status: h.status?.value,
        site: h.site ? (h.site.slug ?? h.site.name) : undefined,
        cluster: h.cluster?.name ?? undefined,
        role: role ? (role.slug ?? role.name) : undefined,
        tenant: h.tenant ? (h.tenant.slug ?? h.tenant.name) : undefined,
        platform: h.platform ? (h.platform.slug ?? h.platform.name) : undefined,
        deviceType: h.device_type?.model,
        manufacturer: h.device_type?.manufacturer?.name ?? undefined,
        serial: h.serial || undefined,
        vcpus: h.vcpus ?? undefined,
        memoryMb: h.memory ?? undefined,
      }),
      ...(cluster ? { parent: cluster } : site ? { parent: site } : {}),
      ips,
    });
  }

  /** IPs assigned to an interface of a device/VM we listed; unassigned or foreign ones are not host IPs. */
  addIpAddress(ip: NetBoxIpAddress): void {
    const owner = ipOwner(ip);
    if (!owner) return;
    const host = this.hosts.get(owner);
    if (!host) return;
    pushIp(host.ips, ip.address, `ip-address ${ip.id}`);
  }

  addService(s: NetBoxService): void {
    const host = serviceHost(s);
    const ips: string[] = [];
    for (const a of s.ipaddresses ?? []) pushIp(ips, a.address, `service ${s.id}`);
    const members: ResourceKey[] = host && this.hosts.has(host) ? [{ kind: 'host', externalId: host }] : [];
    this.services.set(s.id, {
      kind: 'service',
      externalId: `service:${s.id}`,
      name: s.name,
      labels: labelsOf(s),
      attributes: compact({
        source: 'netbox',
        netboxId: s.id,
        protocol: s.protocol?.value,
        ports: s.ports,
        description: s.description || undefined,
      }),
      ...(ips.length ? { ips } : {}),
      members,
    });
  }

  resources(): DiscoveredResource[] {
    return [...this.sites.values(), ...this.clusters.values(), ...this.hosts.values(), ...this.services.values()];
  }

  private site(ref: NetBoxRef): ResourceKey {
    const externalId = `site:${ref.id}`;
    if (!this.sites.has(ref.id)) {
      this.sites.set(ref.id, {
        kind: 'region',
        externalId,
        name: ref.name || ref.display || externalId,
        labels: {},
        attributes: compact({ source: 'netbox', netboxType: 'dcim.site', netboxId: ref.id, slug: ref.slug }),
      });
    }
    return { kind: 'region', externalId };
  }

  private cluster(ref: NetBoxRef, site: ResourceKey | undefined): ResourceKey {
    const externalId = `cluster:${ref.id}`;
    if (!this.clusters.has(ref.id)) {
      this.clusters.set(ref.id, {
        kind: 'cluster',
        externalId,
        name: ref.name || ref.display || externalId,
        labels: {},
        attributes: { source: 'netbox', netboxType: 'virtualization.cluster', netboxId: ref.id },
        ...(site ? { parent: site } : {}),
      });
    }
    return { kind: 'cluster', externalId };
  }
}

function ipOwner(ip: NetBoxIpAddress): string | undefined {
  const o = ip.assigned_object;
  if (ip.assigned_object_type === 'dcim.interface' && o?.device) return `device:${o.device.id}`;
  if (ip.assigned_object_type === 'virtualization.vminterface' && o?.virtual_machine)
    return `vm:${o.virtual_machine.id}`;
  return undefined;
}

function serviceHost(s: NetBoxService): string | undefined {
  if (s.device) return `device:${s.device.id}`;
  if (s.virtual_machine) return `vm:${s.virtual_machine.id}`;
  if (s.parent_object_id != null) {
    if (s.parent_object_type === 'dcim.device') return `device:${s.parent_object_id}`;
    if (s.parent_object_type === 'virtualization.virtualmachine') return `vm:${s.parent_object_id}`;
  }
  return undefined;
}

/** `10.0.0.5/24` → `10.0.0.5` (NetBox stores interface addresses with their prefix length). */
export function stripPrefix(address: string): string | null {
  const slash = address.indexOf('/');
  return canonicalIp(slash < 0 ? address : address.slice(0, slash));
}

function pushIp(into: string[], address: string, what: string): void {
  const ip = stripPrefix(address);
  if (ip === null)
    throw new SourceError(`NetBox ${what}: '${address.slice(0, 100)}' is not an IP address`, 'malformed', true);
  if (!into.includes(ip)) into.push(ip);
}

/** Tags → `tag.<slug>`; custom fields → `cf.<name>`, objects by their name/slug, lists joined with commas. */
export function labelsOf(o: NetBoxTagged): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const t of o.tags ?? []) labels[`tag.${t.slug}`] = 'true';
  for (const [name, value] of Object.entries(o.custom_fields ?? {})) {
    const text = customFieldText(value);
    if (text !== undefined) labels[`cf.${name}`] = text.slice(0, MAX_LABEL_VALUE);
  }
  return labels;
}

function customFieldText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(customFieldText).filter((v): v is string => v !== undefined);
    return parts.join(',');
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of ['name', 'display', 'slug', 'label', 'value', 'id']) {
      const v = o[k];
      if (typeof v === 'string' || typeof v === 'number') return String(v);
    }
    return JSON.stringify(value);
  }
  return undefined;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
