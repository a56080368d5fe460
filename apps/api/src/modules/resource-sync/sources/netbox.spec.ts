import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetBoxSource, labelsOf, stripPrefix } from './netbox.js';
import { type DiscoveredResource, SourceError } from './source-types.js';
import {
  type FakeNetBox,
  type FakeNetBoxFault,
  type FakeNetBoxOptions,
  generateNetBoxData,
  startFakeNetBox,
} from './testing/fake-netbox.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
let fake: FakeNetBox | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(extra: Partial<FakeNetBoxOptions> & Pick<FakeNetBoxOptions, 'data'>): Promise<FakeNetBox> {
  fake = await startFakeNetBox({ token: TOKEN, ...extra });
  return fake;
}

async function rejection(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    return err as SourceError;
  }
  throw new Error('expected a rejection');
}

const byKey = (rs: DiscoveredResource[]): Map<string, DiscoveredResource> =>
  new Map(rs.map((r) => [`${r.kind}/${r.externalId}`, r]));

describe('NetBox source against the paginated REST fake', () => {
  it('follows every next link and maps devices, VMs, IPs, services, sites, clusters, tags and custom fields', async () => {
    const f = await start({ data: generateNetBoxData({ devices: 25, vms: 7 }), maxPageSize: 1000 });
    const source = createNetBoxSource({ url: f.url, pageSize: 4 }, { token: TOKEN });
    const { resources } = await source.list();

    const pages = (e: string) => f.requests.filter((r) => r.endpoint === e).length;
    expect(pages('devices')).toBe(7);
    expect(pages('virtual-machines')).toBe(2);
    expect(pages('ip-addresses')).toBe(9); // 25 + 7 + 1 unassigned
    expect(pages('services')).toBe(7);
    expect(f.requests.every((r) => r.authorization === `Token ${TOKEN}`)).toBe(true);
    expect(
      f.requests.filter((r) => r.endpoint === 'devices').every((r) => r.path.includes('exclude=config_context')),
    ).toBe(true);

    const m = byKey(resources);
    expect(resources.filter((r) => r.kind === 'host')).toHaveLength(32);
    expect(resources.filter((r) => r.kind === 'service')).toHaveLength(25);
    expect(m.get('region/site:1')).toMatchObject({ name: 'Site 1', attributes: { slug: 'site-1' } });
    expect(m.get('cluster/cluster:1')).toMatchObject({
      name: 'Cluster 1',
      parent: { kind: 'region', externalId: 'site:1' },
    });

    const dev = m.get('host/device:3')!;
    expect(dev).toMatchObject({
      name: 'dev-3',
      parent: { kind: 'region', externalId: 'site:1' },
      labels: { 'tag.prod': 'true', 'cf.owner_team': 'team-3', 'cf.contract': 'C-9' },
      attributes: { status: 'active', role: 'server', deviceType: 'R650', manufacturer: 'Dell', serial: 'SN3' },
      ips: ['10.10.0.3'],
    });
    expect(dev.labels['cf.cost_center']).toBeUndefined(); // null custom field
    expect(m.get('host/device:4')!.labels).toEqual({
      'cf.owner_team': 'team-4',
      'cf.cost_center': '4201',
      'cf.contract': 'C-9',
    });

    expect(m.get('host/vm:5')).toMatchObject({
      name: 'vm-5',
      parent: { kind: 'cluster', externalId: 'cluster:2' },
      ips: ['10.20.0.5'],
      attributes: { vcpus: 2, memoryMb: 4096, platform: 'ubuntu' },
    });
    // The unassigned 192.0.2.77 belongs to no host.
    expect(resources.some((r) => r.ips?.includes('192.0.2.77'))).toBe(false);

    expect(m.get('service/service:7')).toMatchObject({
      name: 'ssh',
      ips: ['10.10.0.7'],
      members: [{ kind: 'host', externalId: 'device:7' }],
      attributes: { protocol: 'tcp', ports: [22] },
    });
    // NetBox 4.3's parent_object fields.
    expect(m.get('service/service:10')!.members).toEqual([{ kind: 'host', externalId: 'device:10' }]);
  });

  it('uses only the path of next links (proxy with the wrong origin) and honours a base path', async () => {
    const f = await start({
      data: generateNetBoxData({ devices: 9 }),
      basePath: '/netbox',
      linkOrigin: 'https://netbox.internal:8443',
    });
    const { resources } = await createNetBoxSource({ url: f.url, pageSize: 2 }, { token: TOKEN }).list();
    expect(resources.filter((r) => r.kind === 'host')).toHaveLength(9);
    expect(f.requests.filter((r) => r.endpoint === 'devices')).toHaveLength(5);
    expect(f.requests.every((r) => r.path.startsWith('/netbox/api/'))).toBe(true);
  });

  it('sends v2 tokens with the Bearer scheme', async () => {
    const v2 = 'nbt_abcdef123456.0123456789abcdef0123456789abcdef';
    fake = await startFakeNetBox({ token: v2, data: generateNetBoxData({ devices: 1 }) });
    await createNetBoxSource({ url: fake.url }, { token: v2 }).test();
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${v2}`);
  });

  it('maps a rejected token to unauthorized and 429 with Retry-After to rate_limited', async () => {
    const f = await start({ data: generateNetBoxData({ devices: 3 }) });
    const wrong = await rejection(createNetBoxSource({ url: f.url }, { token: 'ffffffffffffffff' }).test());
    expect(wrong).toMatchObject({ code: 'unauthorized', retryable: false });

    f.options.fault = () => ({ kind: 'status', status: 429, retryAfter: '12' });
    const limited = await rejection(createNetBoxSource({ url: f.url }, { token: TOKEN }).list());
    expect(limited).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 12_000 });

    const at = new Date(Date.now() + 30_000).toUTCString();
    f.options.fault = () => ({ kind: 'status', status: 429, retryAfter: at });
    const dated = await rejection(createNetBoxSource({ url: f.url }, { token: TOKEN }).list());
    expect(dated.retryAfterMs).toBeGreaterThan(25_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('maps non-JSON, truncated JSON and unexpected shapes to malformed, 5xx to unreachable, 404 to config', async () => {
    const f = await start({ data: generateNetBoxData({ devices: 3 }) });
    const source = createNetBoxSource({ url: f.url }, { token: TOKEN });
    for (const [fault, code, text] of [
      [{ kind: 'not_json' }, 'malformed', 'not JSON'],
      [{ kind: 'truncated' }, 'malformed', 'not JSON'],
      [{ kind: 'wrong_shape' }, 'malformed', '/results/0/id must be integer'],
      [{ kind: 'status', status: 502, body: '<html>bad gateway</html>' }, 'unreachable', 'HTTP 502'],
    ] as [FakeNetBoxFault, string, string][]) {
      f.options.fault = (r) => (r.endpoint === 'virtual-machines' ? fault : undefined);
      const err = await rejection(source.list());
      expect(err.code).toBe(code);
      expect(err.message).toContain(text);
    }
    f.options.fault = undefined;
    const wrongUrl = await rejection(createNetBoxSource({ url: `${f.url}/nope` }, { token: TOKEN }).test());
    expect(wrongUrl).toMatchObject({ code: 'config', retryable: false });
  });

  it('turns a failing later page into partial, never a short listing', async () => {
    const f = await start({ data: generateNetBoxData({ devices: 20 }) });
    const source = createNetBoxSource({ url: f.url, pageSize: 5 }, { token: TOKEN });
    for (const fault of [
      { kind: 'status', status: 500 },
      { kind: 'not_json' },
      { kind: 'status', status: 429, retryAfter: '3' },
    ] as FakeNetBoxFault[]) {
      f.options.fault = (r) => (r.endpoint === 'ip-addresses' && r.page === 3 ? fault : undefined);
      const err = await rejection(source.list());
      expect(err.code).toBe('partial');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('page 3');
    }
    f.options.fault = (r) =>
      r.endpoint === 'ip-addresses' && r.page === 3 ? { kind: 'status', status: 429, retryAfter: '3' } : undefined;
    expect((await rejection(source.list())).retryAfterMs).toBe(3000);
  });

  it('times out a hanging server as unreachable and stops on abort', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as { port: number }).port;
    try {
      const err = await rejection(
        createNetBoxSource({ url: `http://127.0.0.1:${port}`, requestTimeoutMs: 1000 }, { token: TOKEN }).test(),
      );
      expect(err).toMatchObject({ code: 'unreachable', retryable: true });
      expect(err.message).toContain('timed out');
      const ac = new AbortController();
      const p = createNetBoxSource({ url: `http://127.0.0.1:${port}` }, { token: TOKEN }).list(ac.signal);
      ac.abort(new Error('sync cancelled'));
      await expect(p).rejects.toThrow('sync cancelled');
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('rejects bad configuration', () => {
    expect(() => createNetBoxSource({ url: 'netbox.local' }, { token: TOKEN })).toThrow(SourceError);
    expect(() => createNetBoxSource({ url: 'http://x', pageSize: 5000 }, { token: TOKEN })).toThrow(SourceError);
    expect(() => createNetBoxSource({ url: 'http://x' }, { token: 'a b' })).toThrow(SourceError);
  });

  it('property: any data set under any page size lists every host with exactly its assigned IPs', async () => {
    const f = await start({ data: generateNetBoxData({ devices: 0 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        async (devices, vms, pageSize) => {
          f.options.data = generateNetBoxData({ devices, vms });
          const { resources } = await createNetBoxSource({ url: f.url, pageSize }, { token: TOKEN }).list();
          const hosts = resources.filter((r) => r.kind === 'host');
          expect(hosts).toHaveLength(devices + vms);
          for (const h of hosts) expect(h.ips).toHaveLength(1);
          expect(new Set(hosts.map((h) => h.externalId)).size).toBe(devices + vms);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('property: stripPrefix yields the canonical address of any address/prefix, null for non-addresses', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), fc.integer({ min: 0, max: 32 }), (o, p) => {
        expect(stripPrefix(`${o.join('.')}/${p}`)).toBe(o.join('.'));
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), (ip, p) => {
        const out = stripPrefix(`${ip}/${p}`);
        expect(out).not.toBeNull();
        expect(out).toBe(out!.toLowerCase());
        expect(stripPrefix(out!)).toBe(out);
      }),
    );
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/^[\d.:a-fA-F/]+$/.test(s)),
        (s) => {
          expect(stripPrefix(s)).toBeNull();
        },
      ),
    );
  });

  it('property: labelsOf flattens any custom field value to a string label and never throws', () => {
    const cfValue = fc.oneof(
      fc.constant(null),
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.record({ id: fc.nat(), name: fc.string() }),
      fc.array(fc.record({ id: fc.nat(), display: fc.string() }), { maxLength: 3 }),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), cfValue), (cfs) => {
        const labels = labelsOf({ custom_fields: cfs, tags: [{ slug: 'a' }] });
        expect(labels['tag.a']).toBe('true');
        for (const [k, v] of Object.entries(labels)) {
          expect(typeof v).toBe('string');
          if (k !== 'tag.a') expect(cfs[k.slice(3)]).not.toBeNull();
        }
      }),
    );
  });
});
