import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AWS_THROTTLE_RETRY_AFTER_MS, awsErrorToSourceError } from './aws-errors.js';
import { rootElement } from './aws-response-guard.js';
import { createAwsSource } from './aws.js';
import { type DiscoveredResource, SourceError } from './source-types.js';
import { generateAwsInventory } from './testing/aws-fixtures.js';
import {
  type FakeAws,
  type FakeAwsFault,
  type FakeAwsInventory,
  type FakeAwsRequest,
  startFakeAws,
} from './testing/fake-aws.js';

const KEY = { accessKeyId: 'AKIAFAKE0000000001', secretAccessKey: 'secret' };
let fake: FakeAws | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(
  regions: Record<string, FakeAwsInventory>,
  extra: {
    pageSize?: number;
    fault?: (r: FakeAwsRequest) => FakeAwsFault | undefined;
    expired?: string[];
    roles?: Record<string, string>;
    keys?: string[];
  } = {},
): Promise<FakeAws> {
  fake = await startFakeAws({
    regions,
    pageSize: extra.pageSize ?? 1000,
    accessKeyIds: extra.keys ?? [KEY.accessKeyId],
    expiredAccessKeyIds: extra.expired,
    roles: extra.roles,
    fault: extra.fault,
  });
  return fake;
}

const byKey = (rs: DiscoveredResource[]): Map<string, DiscoveredResource> =>
  new Map(rs.map((r) => [`${r.kind}/${r.externalId}`, r]));

async function rejection(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    return err as SourceError;
  }
  throw new Error('expected a rejection');
}

describe('AWS source against the EC2/ELBv2 Query API fake', () => {
  it('follows every nextToken/NextMarker page and builds region > vpc > subnet > host with IPs, tags and AZs', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 23, vpcs: 2, azs: 3 });
    const first = inv.instances[0]!;
    first.publicIpAddress = '54.10.20.30';
    first.secondaryPrivateIps = ['10.0.0.200'];
    first.ipv6Addresses = ['2600:1F18:0:0::1'];
    inv.instances.push({
      instanceId: 'i-gone',
      state: 'terminated',
      instanceType: 't3.micro',
      availabilityZone: 'us-east-1a',
    });
    inv.loadBalancers[0]!.type = 'network';
    inv.loadBalancers[0]!.zones[0]!.addresses = ['3.3.3.3'];
    const f = await start({ 'us-east-1': inv }, { pageSize: 4 });
    const source = createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY);

    const { resources } = await source.list();
    const pages = (action: string) => f.requests.filter((r) => r.action === action).length;
    expect(pages('DescribeInstances')).toBe(6); // 24 items / 4
    expect(pages('DescribeVpcs')).toBe(1);
    expect(pages('DescribeSubnets')).toBe(2);
    expect(f.requests.filter((r) => r.action === 'DescribeLoadBalancers')).toHaveLength(1);

    const m = byKey(resources);
    expect(resources.filter((r) => r.kind === 'host')).toHaveLength(23);
    expect(m.has('host/i-gone')).toBe(false);
    expect(m.get('region/us-east-1')?.parent).toBeUndefined();
    expect(m.get('az/us-east-1b')?.parent).toEqual({ kind: 'region', externalId: 'us-east-1' });
    expect(m.get('vpc/vpc-us-east-1-1')).toMatchObject({
      name: 'vpc 1',
      labels: { Name: 'vpc 1', env: 'prod' },
      cidrs: ['10.1.0.0/16'],
      parent: { kind: 'region', externalId: 'us-east-1' },
    });
    expect(m.get('subnet/subnet-us-east-1-0-1')).toMatchObject({
      cidrs: ['10.0.64.0/18'],
      parent: { kind: 'vpc', externalId: 'vpc-us-east-1-0' },
      attributes: { availabilityZone: 'us-east-1b' },
    });
    const host = m.get(`host/${first.instanceId}`)!;
    expect(host).toMatchObject({
      name: 'host-0',
      labels: { Name: 'host-0', team: 'team-0' },
      parent: { kind: 'subnet', externalId: first.subnetId },
      attributes: { state: 'running', instanceType: 't3.micro', availabilityZone: 'us-east-1a', vpcId: first.vpcId },
    });
    expect(new Set(host.ips)).toEqual(new Set([first.privateIpAddress, '54.10.20.30', '10.0.0.200', '2600:1f18::1']));
    const lb = m.get(`load_balancer/${inv.loadBalancers[0]!.arn}`)!;
    expect(lb).toMatchObject({
      name: 'lb-0',
      parent: { kind: 'vpc', externalId: 'vpc-us-east-1-0' },
      attributes: {
        dnsName: inv.loadBalancers[0]!.dnsName,
        type: 'network',
        availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      },
      ips: ['3.3.3.3'],
    });
  });

  it('follows ELBv2 NextMarker pages and lists every configured region', async () => {
    const east = generateAwsInventory({ region: 'us-east-1', instances: 2, vpcs: 5 });
    const west = generateAwsInventory({ region: 'eu-west-1', instances: 3, vpcs: 1 });
    const f = await start({ 'us-east-1': east, 'eu-west-1': west }, { pageSize: 2 });
    const { resources } = await createAwsSource(
      { regions: ['us-east-1', 'eu-west-1'], endpoint: f.endpoint },
      KEY,
    ).list();
    expect(resources.filter((r) => r.kind === 'load_balancer')).toHaveLength(6);
    expect(f.requests.filter((r) => r.action === 'DescribeLoadBalancers' && r.region === 'us-east-1')).toHaveLength(3);
    expect(resources.filter((r) => r.kind === 'region').map((r) => r.externalId)).toEqual(['us-east-1', 'eu-west-1']);
    expect(resources.filter((r) => r.kind === 'host')).toHaveLength(5);
  });

  it('reads load balancer tags with DescribeTags in batches of 20; a failing later batch is partial', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 1, vpcs: 25, azs: 1 });
    const f = await start({ 'us-east-1': inv });
    const source = createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY);
    const { resources } = await source.list();
    const lbs = resources.filter((r) => r.kind === 'load_balancer');
    expect(lbs).toHaveLength(25);
    for (const lb of lbs) expect(lb.labels).toEqual({ service: `frontend-${lb.name.slice(3)}` });
    const batches = f.requests.filter((r) => r.action === 'DescribeTags');
    expect(batches.map((r) => [...r.params.keys()].filter((k) => k.startsWith('ResourceArns.member.')).length)).toEqual(
      [20, 5],
    );

    let tagCalls = 0;
    f.options.fault = (r) => (r.action === 'DescribeTags' && ++tagCalls === 2 ? { kind: 'server_error' } : undefined);
    const err = await rejection(source.list());
    expect(err).toMatchObject({ code: 'partial', retryable: true });
    expect(err.message).toContain('DescribeTags');
  });

  it('maps throttling to rate_limited with retryAfter and does not retry inside the SDK', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 3 });
    const f = await start(
      { 'us-east-1': inv },
      { fault: (r) => (r.action === 'DescribeVpcs' ? { kind: 'throttle', retryAfterSeconds: 7 } : undefined) },
    );
    const err = await rejection(createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY).list());
    expect(err).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 7000 });
    expect(err.message).toContain('RequestLimitExceeded');
    expect(f.requests).toHaveLength(1);

    // ELBv2 throttles with its own code and no Retry-After: a default first backoff step is reported.
    f.options.fault = (r) => (r.action === 'DescribeLoadBalancers' ? { kind: 'throttle' } : undefined);
    const elbErr = await rejection(createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY).list());
    expect(elbErr).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 5000 });
    expect(elbErr.message).toContain('Throttling');
  });

  it('maps expired, wrong and under-privileged credentials to unauthorized (not retryable)', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 1 });
    const f = await start({ 'us-east-1': inv }, { expired: ['ASIAEXPIRED'], keys: [KEY.accessKeyId, 'ASIAEXPIRED'] });
    const expired = await rejection(
      createAwsSource(
        { regions: ['us-east-1'], endpoint: f.endpoint },
        { accessKeyId: 'ASIAEXPIRED', secretAccessKey: 's', sessionToken: 't' },
      ).list(),
    );
    expect(expired).toMatchObject({ code: 'unauthorized', retryable: false });
    expect(expired.message).toContain('RequestExpired');

    const wrong = await rejection(
      createAwsSource(
        { regions: ['us-east-1'], endpoint: f.endpoint },
        { accessKeyId: 'AKIAWRONG', secretAccessKey: 's' },
      ).test(),
    );
    expect(wrong).toMatchObject({ code: 'unauthorized', retryable: false });
    expect(wrong.message).toContain('AuthFailure');

    f.options.fault = (r) => (r.action === 'DescribeInstances' ? { kind: 'unauthorized_operation' } : undefined);
    const denied = await rejection(createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY).list());
    expect(denied).toMatchObject({ code: 'unauthorized' });
    expect(denied.message).toContain('UnauthorizedOperation');
  });

  it('maps a truncated XML body and a non-AWS document to malformed', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 1 });
    const f = await start(
      { 'us-east-1': inv },
      { fault: (r) => (r.action === 'DescribeInstances' ? { kind: 'malformed' } : undefined) },
    );
    const source = createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY);
    expect(await rejection(source.list())).toMatchObject({ code: 'malformed' });
    f.options.fault = (r) => (r.action === 'DescribeSubnets' ? { kind: 'wrong_document' } : undefined);
    const err = await rejection(source.list());
    expect(err).toMatchObject({ code: 'malformed' });
    expect(err.message).toContain('<html>');
  });

  it('turns a failure on a later page into partial and never returns a short listing', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 10 });
    for (const fault of [{ kind: 'server_error' }, { kind: 'throttle' }, { kind: 'malformed' }] as FakeAwsFault[]) {
      const f = await start(
        { 'us-east-1': inv },
        { pageSize: 3, fault: (r) => (r.action === 'DescribeInstances' && r.page === 3 ? fault : undefined) },
      );
      const err = await rejection(createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY).list());
      expect(err.code).toBe('partial');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('page 3');
      await f.close();
      fake = undefined;
    }
  });

  it('reports an unreachable endpoint as unreachable (retryable)', async () => {
    const f = await start({});
    const endpoint = f.endpoint;
    await f.close();
    fake = undefined;
    const err = await rejection(createAwsSource({ regions: ['us-east-1'], endpoint }, KEY).test());
    expect(err).toMatchObject({ code: 'unreachable', retryable: true });
  });

  it('assumes the configured role and lists with its temporary credentials', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/bathyscope-read';
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 2 });
    const f = await start(
      { 'us-east-1': inv },
      { roles: { [roleArn]: 'ASIAROLEKEY' }, keys: [KEY.accessKeyId, 'ASIAROLEKEY'] },
    );
    const { resources } = await createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint, roleArn }, KEY).list();
    expect(resources.filter((r) => r.kind === 'host')).toHaveLength(2);
    expect(f.requests.filter((r) => r.action === 'AssumeRole')).toHaveLength(1);
    expect(new Set(f.requests.filter((r) => r.action !== 'AssumeRole').map((r) => r.accessKeyId))).toEqual(
      new Set(['ASIAROLEKEY']),
    );

    const denied = await rejection(
      createAwsSource(
        { regions: ['us-east-1'], endpoint: f.endpoint, roleArn: 'arn:aws:iam::123456789012:role/other' },
        KEY,
      ).test(),
    );
    expect(denied).toMatchObject({ code: 'unauthorized' });
  });

  it('sends ELBv2 calls to elbEndpoint when one is configured', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 1, vpcs: 2 });
    const ec2Fake = await start({ 'us-east-1': { ...inv, loadBalancers: [] } });
    const elbFake = await startFakeAws({ regions: { 'us-east-1': inv }, accessKeyIds: [KEY.accessKeyId] });
    try {
      const { resources } = await createAwsSource(
        { regions: ['us-east-1'], endpoint: ec2Fake.endpoint, elbEndpoint: elbFake.endpoint },
        KEY,
      ).list();
      expect(resources.filter((r) => r.kind === 'load_balancer')).toHaveLength(2);
      expect(ec2Fake.requests.some((r) => r.action === 'DescribeLoadBalancers')).toBe(false);
      expect(elbFake.requests.map((r) => r.action)).toEqual(['DescribeLoadBalancers', 'DescribeTags']);
    } finally {
      await elbFake.close();
    }
  });

  it('rejects bad configuration with config errors', () => {
    for (const [config, creds] of [
      [{ regions: [] }, KEY],
      [{ regions: ['not a region'] }, KEY],
      [{ regions: ['us-east-1'], endpoint: 'ftp://x' }, KEY],
      [{ regions: ['us-east-1'], roleArn: 'role' }, KEY],
      [{ regions: ['us-east-1'] }, { accessKeyId: 'A' }],
      [null, KEY],
    ] as const) {
      expect(() => createAwsSource(config, creds)).toThrow(SourceError);
    }
    expect(createAwsSource({ region: 'eu-central-1' }, KEY)).toBeDefined();
  });

  it('property: any inventory split into any page size lists exactly its non-terminated instances, IPs and CIDRs', async () => {
    const f = await start({});
    const source = createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY);
    const octet = fc.integer({ min: 0, max: 255 });
    const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    const tagText = fc.string({ maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.uniqueArray(
          fc.record({
            n: fc.nat(100_000),
            state: fc.constantFrom('running', 'stopped', 'terminated', 'pending') as fc.Arbitrary<
              'running' | 'stopped' | 'terminated' | 'pending'
            >,
            ip: ipv4,
            publicIp: fc.option(ipv4, { nil: undefined }),
            tags: fc.array(fc.record({ key: tagText.filter((s) => s.length > 0), value: tagText }), { maxLength: 3 }),
          }),
          { selector: (r) => r.n, maxLength: 15 },
        ),
        async (pageSize, specs) => {
          const inv = generateAwsInventory({ region: 'us-east-1', instances: 0, vpcs: 1, azs: 1 });
          inv.instances = specs.map((s) => ({
            instanceId: `i-${s.n}`,
            state: s.state,
            instanceType: 'm5.large',
            availabilityZone: 'us-east-1a',
            vpcId: 'vpc-us-east-1-0',
            subnetId: 'subnet-us-east-1-0-0',
            privateIpAddress: s.ip,
            publicIpAddress: s.publicIp,
            tags: s.tags,
          }));
          f.options.regions = { 'us-east-1': inv };
          f.options.pageSize = pageSize;
          const { resources } = await source.list();
          const hosts = byKey(resources.filter((r) => r.kind === 'host'));
          const live = specs.filter((s) => s.state !== 'terminated');
          expect(hosts.size).toBe(live.length);
          for (const s of live) {
            const h = hosts.get(`host/i-${s.n}`)!;
            expect(new Set(h.ips)).toEqual(new Set([s.ip, ...(s.publicIp ? [s.publicIp] : [])]));
            const expectedLabels: Record<string, string> = {};
            for (const t of s.tags) expectedLabels[t.key] = t.value;
            expect(h.labels).toEqual(expectedLabels);
            expect(h.attributes['state']).toBe(s.state);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stops at once when the sync is aborted', async () => {
    const inv = generateAwsInventory({ region: 'us-east-1', instances: 50 });
    const f = await start({ 'us-east-1': inv }, { pageSize: 1 });
    const ac = new AbortController();
    f.options.fault = (r) => {
      if (r.action === 'DescribeInstances' && r.page === 3) ac.abort(new Error('sync cancelled'));
      return undefined;
    };
    await expect(
      createAwsSource({ regions: ['us-east-1'], endpoint: f.endpoint }, KEY).list(ac.signal),
    ).rejects.toThrow('sync cancelled');
    expect(f.requests.filter((r) => r.action === 'DescribeInstances').length).toBe(3);
  });

  it('property: any SDK-shaped error maps to a SourceError with a code the scheduler understands', () => {
    const codes = fc.oneof(
      fc.constantFrom(
        'AuthFailure',
        'RequestExpired',
        'ExpiredToken',
        'Throttling',
        'RequestLimitExceeded',
        'InternalError',
        'InvalidParameterValue',
        'Error',
        'TimeoutError',
      ),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(
        codes,
        fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
        fc.string(),
        (name, status, message) => {
          const err = Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
          const mapped = awsErrorToSourceError(err, 'DescribeVpcs in us-east-1');
          expect(mapped).toBeInstanceOf(SourceError);
          expect(['unreachable', 'unauthorized', 'rate_limited', 'malformed', 'config']).toContain(mapped.code);
          if (name === 'Throttling' || name === 'RequestLimitExceeded') {
            expect(mapped).toMatchObject({
              code: 'rate_limited',
              retryable: true,
              retryAfterMs: AWS_THROTTLE_RETRY_AFTER_MS,
            });
          }
          if (name === 'AuthFailure' || name === 'RequestExpired' || name === 'ExpiredToken')
            expect(mapped).toMatchObject({ code: 'unauthorized', retryable: false });
          if (status !== undefined && status >= 500 && mapped.code !== 'rate_limited' && mapped.code !== 'unauthorized')
            expect(mapped.code).toBe('unreachable');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: rootElement finds the first element behind declarations and comments, or nothing', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.stringMatching(/^[A-Za-z_][\w.-]{0,30}$/),
        fc.constantFrom('', ' ', '\n', '<!-- c -->\n'),
        (decl, name, sep) => {
          const text = `${decl ? '<?xml version="1.0" encoding="UTF-8"?>' : ''}${sep}<${name} a="1">x</${name}>`;
          expect(rootElement(Buffer.from(text))).toBe(name);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('<')),
        (s) => {
          expect(rootElement(Buffer.from(s))).toBeUndefined();
        },
      ),
    );
  });
});
