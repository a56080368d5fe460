import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback NetBox REST API for tests: `limit`/`offset` pagination answering `{count, next, previous, results}`
 * with absolute `next`/`previous` links built from the Host header (as NetBox does), `Authorization: Token <t>`
 * (or `Bearer` for v2 tokens) checked against the configured token with NetBox's 403 `{"detail": …}` answer, and
 * NetBox's object shapes (nested `site`, `cluster`, `assigned_object`, `custom_fields`, `tags`).
 */

export type NetBoxEndpoint = 'devices' | 'virtual-machines' | 'ip-addresses' | 'services';

const PATHS: Record<string, NetBoxEndpoint> = {
  '/api/dcim/devices/': 'devices',
  '/api/virtualization/virtual-machines/': 'virtual-machines',
  '/api/ipam/ip-addresses/': 'ip-addresses',
  '/api/ipam/services/': 'services',
};

export interface FakeNetBoxData {
  devices: Record<string, unknown>[];
  'virtual-machines': Record<string, unknown>[];
  'ip-addresses': Record<string, unknown>[];
  services: Record<string, unknown>[];
}

export type FakeNetBoxFault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'not_json' }
  | { kind: 'wrong_shape' }
  | { kind: 'truncated' };

export interface FakeNetBoxRequest {
  endpoint: NetBoxEndpoint | undefined;
  path: string;
  authorization: string | undefined;
  limit: number;
  offset: number;
  /** 1-based page of this endpoint's listing. */
  page: number;
}

export interface FakeNetBoxOptions {
  data: FakeNetBoxData;
  token: string;
  /** NetBox's MAX_PAGE_SIZE: larger `limit`s are capped to it. */
  maxPageSize?: number;
  /** Mounted under a base path (NetBox's BASE_PATH), e.g. `/netbox`. */
  basePath?: string;
  /** Origin written into `next` links instead of the request's (a proxy that reports the wrong scheme/host). */
  linkOrigin?: string;
  fault?: (r: FakeNetBoxRequest) => FakeNetBoxFault | undefined;
}

export interface FakeNetBox {
  url: string;
  requests: FakeNetBoxRequest[];
  options: FakeNetBoxOptions;
  close(): Promise<void>;
}

export async function startFakeNetBox(options: FakeNetBoxOptions): Promise<FakeNetBox> {
  const requests: FakeNetBoxRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const base = options.basePath ?? '';
    const endpoint = url.pathname.startsWith(base) ? PATHS[url.pathname.slice(base.length)] : undefined;
    const max = options.maxPageSize ?? 1000;
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '50') || 50, max);
    const offset = Number(url.searchParams.get('offset') ?? '0') || 0;
    const request: FakeNetBoxRequest = {
      endpoint,
      path: `${url.pathname}${url.search}`,
      authorization: req.headers.authorization,
      limit,
      offset,
      page: Math.floor(offset / limit) + 1,
    };
    requests.push(request);

    if (!endpoint) return json(res, 404, { detail: 'Not found.' });
    const expected = options.token.startsWith('nbt_') ? `Bearer ${options.token}` : `Token ${options.token}`;
    if (!req.headers.authorization) return json(res, 403, { detail: 'Authentication credentials were not provided.' });
    if (req.headers.authorization !== expected) return json(res, 403, { detail: 'Invalid token' });

    const fault = options.fault?.(request);
    if (fault) return sendFault(res, fault);

    const all = options.data[endpoint];
    const results = all.slice(offset, offset + limit);
    const link = (o: number): string => {
      const u = new URL(url.toString());
      if (options.linkOrigin) {
        const origin = new URL(options.linkOrigin);
        u.protocol = origin.protocol;
        u.host = origin.host;
      }
      u.searchParams.set('limit', String(limit));
      u.searchParams.set('offset', String(o));
      return u.toString();
    };
    return json(res, 200, {
      count: all.length,
      next: offset + limit < all.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    requests,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): undefined {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('API-Version', '4.2');
  res.end(JSON.stringify(body));
}

function sendFault(res: ServerResponse, fault: FakeNetBoxFault): undefined {
  switch (fault.kind) {
    case 'status':
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', fault.retryAfter);
      res.statusCode = fault.status;
      res.setHeader('Content-Type', fault.body ? 'text/html' : 'application/json');
      res.end(fault.body ?? JSON.stringify({ detail: `HTTP ${fault.status}` }));
      return;
    case 'not_json':
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/html');
      res.end('<html><body>502 Bad Gateway</body></html>');
      return;
    case 'wrong_shape':
      return json(res, 200, { count: 1, next: null, previous: null, results: [{ id: 'seven', name: 5 }] });
    case 'truncated':
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.end('{"count": 3, "next": null, "results": [{"id": 1, "na');
      return;
  }
}

/**
 * A NetBox inventory in NetBox's own JSON shapes: `devices` devices over 3 sites, `vms` VMs over 2 clusters, one
 * interface IP per device/VM (10.x.y.z/24, devices also a primary_ip4), an unassigned IP, and one ssh service per
 * device (every tenth on NetBox 4.3's parent_object fields).
 */
export function generateNetBoxData(opts: { devices: number; vms?: number }): FakeNetBoxData {
  const sites = [1, 2, 3].map((id) => ({
    id,
    url: `/api/dcim/sites/${id}/`,
    display: `Site ${id}`,
    name: `Site ${id}`,
    slug: `site-${id}`,
  }));
  const clusters = [1, 2].map((id) => ({
    id,
    url: `/api/virtualization/clusters/${id}/`,
    display: `Cluster ${id}`,
    name: `Cluster ${id}`,
  }));
  const ipText = (n: number, base: number): string => `10.${base + (n >> 16)}.${(n >> 8) & 255}.${n & 255}/24`;
  const devices: Record<string, unknown>[] = [];
  const vms: Record<string, unknown>[] = [];
  const ips: Record<string, unknown>[] = [];
  const services: Record<string, unknown>[] = [];
  let ipId = 1;
  for (let n = 1; n <= opts.devices; n++) {
    const address = ipText(n, 10);
    const primaryId = ipId++;
    devices.push({
      id: n,
      url: `/api/dcim/devices/${n}/`,
      display: `dev-${n}`,
      name: `dev-${n}`,
      device_type: {
        id: 1,
        display: 'R650',
        manufacturer: { id: 1, display: 'Dell', name: 'Dell', slug: 'dell' },
        model: 'R650',
        slug: 'r650',
      },
      role: { id: 1, display: 'Server', name: 'Server', slug: 'server' },
      tenant: null,
      platform: null,
      serial: `SN${n}`,
      site: sites[n % 3],
      location: null,
      rack: null,
      status: { value: 'active', label: 'Active' },
      primary_ip: { id: primaryId, address },
      primary_ip4: { id: primaryId, display: address, family: { value: 4, label: 'IPv4' }, address },
      primary_ip6: null,
      cluster: null,
      comments: '',
      tags: n % 2 ? [{ id: 1, display: 'prod', name: 'prod', slug: 'prod', color: 'ff0000' }] : [],
      custom_fields: {
        owner_team: `team-${n % 5}`,
        cost_center: n % 3 === 0 ? null : 4200 + (n % 3),
        contract: { id: 9, display: 'C-9', name: 'C-9' },
      },
      config_context: {},
      created: '2026-11-01T10:00:00Z',
      last_updated: '2026-11-01T10:00:00Z',
    });
    ips.push({
      id: primaryId,
      display: address,
      family: { value: 4, label: 'IPv4' },
      address,
      vrf: null,
      tenant: null,
      status: { value: 'active', label: 'Active' },
      role: null,
      assigned_object_type: 'dcim.interface',
      assigned_object_id: n,
      assigned_object: {
        id: n,
        display: 'eth0',
        device: { id: n, display: `dev-${n}`, name: `dev-${n}` },
        name: 'eth0',
        cable: null,
      },
      nat_inside: null,
      dns_name: `dev-${n}.example.net`,
      tags: [],
      custom_fields: {},
    });
    const parentFields =
      n % 10 === 0
        ? {
            parent_object_type: 'dcim.device',
            parent_object_id: n,
            parent: { id: n, display: `dev-${n}`, name: `dev-${n}` },
          }
        : { device: { id: n, display: `dev-${n}`, name: `dev-${n}` }, virtual_machine: null };
    services.push({
      id: n,
      display: `ssh (TCP/22)`,
      ...parentFields,
      name: 'ssh',
      protocol: { value: 'tcp', label: 'TCP' },
      ports: [22],
      ipaddresses: [{ id: primaryId, display: address, family: { value: 4, label: 'IPv4' }, address }],
      description: '',
      tags: [],
      custom_fields: {},
    });
  }
  for (let n = 1; n <= (opts.vms ?? 0); n++) {
    const address = ipText(n, 20);
    vms.push({
      id: n,
      display: `vm-${n}`,
      name: `vm-${n}`,
      status: { value: 'active', label: 'Active' },
      // A cluster lives in one site, so its VMs do too.
      site: sites[n % 2],
      cluster: clusters[n % 2],
      role: null,
      tenant: null,
      platform: { id: 3, display: 'Ubuntu', name: 'Ubuntu', slug: 'ubuntu' },
      primary_ip4: null,
      primary_ip6: null,
      vcpus: 2.0,
      memory: 4096,
      tags: [],
      custom_fields: { owner_team: 'vm-team' },
      config_context: {},
    });
    ips.push({
      id: ipId++,
      address,
      status: { value: 'active', label: 'Active' },
      assigned_object_type: 'virtualization.vminterface',
      assigned_object_id: 1000 + n,
      assigned_object: {
        id: 1000 + n,
        display: 'ens3',
        virtual_machine: { id: n, display: `vm-${n}`, name: `vm-${n}` },
        name: 'ens3',
      },
      dns_name: '',
      tags: [],
      custom_fields: {},
    });
  }
  ips.push({
    id: ipId++,
    address: '192.0.2.77/32',
    status: { value: 'reserved', label: 'Reserved' },
    assigned_object_type: null,
    assigned_object_id: null,
    assigned_object: null,
    dns_name: '',
    tags: [],
    custom_fields: {},
  });
  return { devices, 'virtual-machines': vms, 'ip-addresses': ips, services };
}
