import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the EC2 and ELBv2 endpoints that speaks their real wire formats: the EC2 Query API
 * (form-encoded POST, `<XxxResponse>` XML with `nextToken`, errors as `<Response><Errors><Error>`) and the ELBv2
 * awsQuery protocol (`<XxxResult>` with `NextMarker`, errors as `<ErrorResponse><Error>`). The AWS SDK is pointed
 * at it with an endpoint override, so the real SDK serializers, parsers and error classes run in tests.
 *
 * Signatures are not verified (we do not hold AWS's side of SigV4), but the access key id in the `Authorization`
 * header is, so wrong or expired credentials produce AWS's own error codes.
 */

export interface FakeTag {
  key: string;
  value: string;
}

export interface FakeInstance {
  instanceId: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  instanceType: string;
  availabilityZone: string;
  vpcId?: string;
  subnetId?: string;
  privateIpAddress?: string;
  /** Secondary private IPs on the primary interface. */
  secondaryPrivateIps?: string[];
  publicIpAddress?: string;
  ipv6Addresses?: string[];
  privateDnsName?: string;
  tags?: FakeTag[];
}

export interface FakeVpc {
  vpcId: string;
  cidrBlocks: string[];
  ipv6CidrBlocks?: string[];
  isDefault?: boolean;
  tags?: FakeTag[];
}

export interface FakeSubnet {
  subnetId: string;
  vpcId: string;
  cidrBlock: string;
  ipv6CidrBlocks?: string[];
  availabilityZone: string;
  availableIpAddressCount?: number;
  tags?: FakeTag[];
}

export interface FakeLoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  type: 'application' | 'network' | 'gateway';
  scheme: 'internet-facing' | 'internal';
  vpcId: string;
  zones: { zoneName: string; subnetId: string; addresses?: string[] }[];
  state?: string;
  tags?: FakeTag[];
}

export interface FakeAwsInventory {
  instances: FakeInstance[];
  vpcs: FakeVpc[];
  subnets: FakeSubnet[];
  loadBalancers: FakeLoadBalancer[];
}

export type FakeAwsAction =
  | 'DescribeInstances'
  | 'DescribeVpcs'
  | 'DescribeSubnets'
  | 'DescribeLoadBalancers'
  | 'DescribeTags';

/** A fault injected into one answer. */
export type FakeAwsFault =
  | { kind: 'throttle'; retryAfterSeconds?: number }
  | { kind: 'auth' }
  | { kind: 'unauthorized_operation' }
  | { kind: 'expired' }
  | { kind: 'malformed' }
  /** Well-formed XML that is not an AWS answer (a proxy's page), status 200. */
  | { kind: 'wrong_document' }
  | { kind: 'server_error' };

export interface FakeAwsRequest {
  action: string;
  region: string | undefined;
  accessKeyId: string | undefined;
  /** 1-based page number of this action's listing (1 when no token was sent). */
  page: number;
  params: URLSearchParams;
}

export interface FakeAwsOptions {
  /** Inventory per region (the region is read from the SigV4 credential scope). */
  regions: Record<string, FakeAwsInventory>;
  /** Page size the fake enforces, whatever MaxResults/PageSize asks (small values exercise pagination). */
  pageSize?: number;
  /** Access key ids accepted; others get AuthFailure. */
  accessKeyIds?: string[];
  /** Access key ids whose session has expired (EC2 answers RequestExpired, ELBv2 ExpiredToken). */
  expiredAccessKeyIds?: string[];
  /**
   * Roles sts:AssumeRole may assume: role ARN → the access key id of the temporary credentials it hands out
   * (add that key to `accessKeyIds`). The caller's own key must be accepted too.
   */
  roles?: Record<string, string>;
  /** Chooses a fault per request; undefined = answer normally. */
  fault?: (request: FakeAwsRequest) => FakeAwsFault | undefined;
}

export interface FakeAws {
  endpoint: string;
  requests: FakeAwsRequest[];
  options: FakeAwsOptions;
  close(): Promise<void>;
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ELB_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const requests: FakeAwsRequest[] = [];
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => answer(options, requests, req, body, res))
      .catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `Credential=AKID/20261121/us-east-1/ec2/aws4_request` → key id and region. */
function credentialScope(req: IncomingMessage): { accessKeyId?: string; region?: string } {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(auth);
  return m ? { accessKeyId: m[1], region: m[2] } : {};
}

function answer(
  options: FakeAwsOptions,
  log: FakeAwsRequest[],
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
): undefined {
  const params = new URLSearchParams(body);
  const action = params.get('Action') ?? '';
  // ELBv2 and STS both speak awsQuery (`<ErrorResponse>` errors); EC2 has its own error shape.
  const isElb = action === 'DescribeLoadBalancers' || action === 'DescribeTags' || action === 'AssumeRole';
  const token = params.get(isElb ? 'Marker' : 'NextToken');
  const offset = token ? decodeToken(token) : 0;
  const pageSize = options.pageSize ?? 1000;
  const { accessKeyId, region } = credentialScope(req);
  const request: FakeAwsRequest = {
    action,
    region,
    accessKeyId,
    page: Math.floor(offset / pageSize) + 1,
    params,
  };
  log.push(request);

  if (options.expiredAccessKeyIds?.includes(accessKeyId ?? '')) {
    return sendError(res, isElb, 400, isElb ? 'ExpiredToken' : 'RequestExpired', 'The security token has expired.');
  }
  if (options.accessKeyIds && !options.accessKeyIds.includes(accessKeyId ?? '')) {
    return sendError(
      res,
      isElb,
      isElb ? 403 : 401,
      isElb ? 'InvalidClientTokenId' : 'AuthFailure',
      'AWS was not able to validate the provided access credentials',
    );
  }
  const fault = options.fault?.(request);
  if (fault) return sendFault(res, isElb, fault);

  if (action === 'AssumeRole') {
    const roleArn = params.get('RoleArn') ?? '';
    const keyId = options.roles?.[roleArn];
    if (!keyId)
      return sendError(res, true, 403, 'AccessDenied', `not authorized to perform sts:AssumeRole on ${roleArn}`);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return sendXml(
      res,
      200,
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>${el('AccessKeyId', keyId)}<SecretAccessKey>fake-secret</SecretAccessKey><SessionToken>fake-session-token</SessionToken>${el('Expiration', expiration)}</Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:${esc(params.get('RoleSessionName') ?? '')}</AssumedRoleId><Arn>${esc(roleArn)}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }
  const inventory = region ? options.regions[region] : undefined;
  if (!inventory) return sendError(res, isElb, 400, 'InvalidClientTokenId', `unknown region ${region}`);

  const slice = <T>(items: T[]): { page: T[]; next?: string } => {
    const page = items.slice(offset, offset + pageSize);
    return offset + pageSize < items.length ? { page, next: encodeToken(offset + pageSize) } : { page };
  };
  switch (action) {
    case 'DescribeInstances': {
      const { page, next } = slice(inventory.instances);
      // One reservation per instance keeps the shape real (instances nest in reservations) and simple.
      const items = page
        .map(
          (i, n) =>
            `<item><reservationId>r-${offset + n}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${instanceXml(i)}</instancesSet></item>`,
        )
        .join('');
      return sendXml(
        res,
        200,
        ec2Response(action, `<reservationSet>${items}</reservationSet>${nextTag('nextToken', next)}`),
      );
    }
    case 'DescribeVpcs': {
      const { page, next } = slice(inventory.vpcs);
      return sendXml(
        res,
        200,
        ec2Response(action, `<vpcSet>${page.map(vpcXml).join('')}</vpcSet>${nextTag('nextToken', next)}`),
      );
    }
    case 'DescribeSubnets': {
      const { page, next } = slice(inventory.subnets);
      return sendXml(
        res,
        200,
        ec2Response(action, `<subnetSet>${page.map(subnetXml).join('')}</subnetSet>${nextTag('nextToken', next)}`),
      );
    }
    case 'DescribeLoadBalancers': {
      const { page, next } = slice(inventory.loadBalancers);
      const result = `<LoadBalancers>${page.map(loadBalancerXml).join('')}</LoadBalancers>${nextTag('NextMarker', next)}`;
      return sendXml(
        res,
        200,
        `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeLoadBalancersResponse xmlns="${ELB_NS}"><DescribeLoadBalancersResult>${result}</DescribeLoadBalancersResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>`,
      );
    }
    case 'DescribeTags': {
      const arns: string[] = [];
      for (let n = 1; params.has(`ResourceArns.member.${n}`); n++)
        arns.push(params.get(`ResourceArns.member.${n}`) as string);
      if (arns.length === 0 || arns.length > 20) {
        return sendError(res, true, 400, 'ValidationError', 'ResourceArns must have between 1 and 20 members');
      }
      const descriptions = arns
        .map((arn) => {
          const lb = inventory.loadBalancers.find((l) => l.arn === arn);
          if (!lb) return '';
          const tags = (lb.tags ?? [])
            .map((t) => `<member>${el('Key', t.key)}${el('Value', t.value)}</member>`)
            .join('');
          return `<member>${el('ResourceArn', arn)}<Tags>${tags}</Tags></member>`;
        })
        .join('');
      return sendXml(
        res,
        200,
        `<DescribeTagsResponse xmlns="${ELB_NS}"><DescribeTagsResult><TagDescriptions>${descriptions}</TagDescriptions></DescribeTagsResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></DescribeTagsResponse>`,
      );
    }
    default:
      return sendError(res, isElb, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

function sendFault(res: ServerResponse, isElb: boolean, fault: FakeAwsFault): undefined {
  switch (fault.kind) {
    case 'throttle':
      if (fault.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      // EC2 throttles with 503 RequestLimitExceeded; ELBv2 with 400 Throttling.
      return isElb
        ? sendError(res, true, 400, 'Throttling', 'Rate exceeded')
        : sendError(res, false, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
    case 'auth':
      return sendError(
        res,
        isElb,
        isElb ? 403 : 401,
        isElb ? 'InvalidClientTokenId' : 'AuthFailure',
        'AWS was not able to validate the provided access credentials',
      );
    case 'unauthorized_operation':
      return sendError(
        res,
        isElb,
        403,
        isElb ? 'AccessDenied' : 'UnauthorizedOperation',
        'You are not authorized to perform this operation.',
      );
    case 'expired':
      return sendError(
        res,
        isElb,
        400,
        isElb ? 'ExpiredToken' : 'RequestExpired',
        'The security token included in the request is expired',
      );
    case 'malformed':
      return sendXml(
        res,
        200,
        `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="${EC2_NS}"><reservationSet><item><instancesSet><item><instanceId>i-1</instanceId`,
      );
    case 'wrong_document':
      return sendXml(res, 200, '<?xml version="1.0"?>\n<html><body>Please sign in to the proxy</body></html>');
    case 'server_error':
      return sendError(res, isElb, 500, isElb ? 'InternalFailure' : 'InternalError', 'An internal error has occurred');
  }
}

function sendError(res: ServerResponse, isElb: boolean, status: number, code: string, message: string): undefined {
  const xml = isElb
    ? `<ErrorResponse xmlns="${ELB_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`
    : `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`;
  sendXml(res, status, xml);
}

function sendXml(res: ServerResponse, status: number, xml: string): undefined {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/xml;charset=UTF-8');
  res.end(xml);
}

function ec2Response(action: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NS}"><requestId>${requestId()}</requestId>${inner}</${action}Response>`;
}

const nextTag = (tag: string, next: string | undefined): string => (next ? `<${tag}>${next}</${tag}>` : '');
const encodeToken = (offset: number): string => Buffer.from(`offset:${offset}`).toString('base64');
function decodeToken(token: string): number {
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  return m ? Number(m[1]) : 0;
}
let requestCounter = 0;
const requestId = (): string => `00000000-0000-4000-8000-${String(++requestCounter).padStart(12, '0')}`;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const el = (tag: string, value: string | number | boolean | undefined): string =>
  value === undefined ? '' : `<${tag}>${esc(String(value))}</${tag}>`;

function tagSetXml(tags: FakeTag[] | undefined): string {
  if (!tags || tags.length === 0) return '<tagSet/>';
  return `<tagSet>${tags.map((t) => `<item>${el('key', t.key)}${el('value', t.value)}</item>`).join('')}</tagSet>`;
}

const STATE_CODES: Record<FakeInstance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

function instanceXml(i: FakeInstance): string {
  const privateIps = [
    ...(i.privateIpAddress ? [{ ip: i.privateIpAddress, primary: true }] : []),
    ...(i.secondaryPrivateIps ?? []).map((ip) => ({ ip, primary: false })),
  ];
  const eni =
    i.subnetId && i.privateIpAddress
      ? `<networkInterfaceSet><item><networkInterfaceId>eni-${i.instanceId.slice(2)}</networkInterfaceId>${el('subnetId', i.subnetId)}${el('vpcId', i.vpcId)}<status>in-use</status>${el('privateIpAddress', i.privateIpAddress)}<privateIpAddressesSet>${privateIps
          .map(
            (p) =>
              `<item>${el('privateIpAddress', p.ip)}<primary>${p.primary}</primary>${p.primary && i.publicIpAddress ? `<association>${el('publicIp', i.publicIpAddress)}</association>` : ''}</item>`,
          )
          .join('')}</privateIpAddressesSet><ipv6AddressesSet>${(i.ipv6Addresses ?? [])
          .map((ip) => `<item>${el('ipv6Address', ip)}</item>`)
          .join('')}</ipv6AddressesSet></item></networkInterfaceSet>`
      : '<networkInterfaceSet/>';
  return `<item>${el('instanceId', i.instanceId)}<imageId>ami-0abcdef1234567890</imageId><instanceState><code>${STATE_CODES[i.state]}</code><name>${i.state}</name></instanceState>${el('privateDnsName', i.privateDnsName ?? '')}<dnsName/>${el('instanceType', i.instanceType)}<launchTime>2026-11-01T10:00:00.000Z</launchTime><placement>${el('availabilityZone', i.availabilityZone)}<groupName/><tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring>${el('subnetId', i.subnetId)}${el('vpcId', i.vpcId)}${el('privateIpAddress', i.privateIpAddress)}${el('ipAddress', i.publicIpAddress)}<architecture>x86_64</architecture>${tagSetXml(i.tags)}${eni}</item>`;
}

function vpcXml(v: FakeVpc): string {
  const assoc = v.cidrBlocks
    .map(
      (c, n) =>
        `<item><associationId>vpc-cidr-assoc-${n}</associationId>${el('cidrBlock', c)}<cidrBlockState><state>associated</state></cidrBlockState></item>`,
    )
    .join('');
  const v6 = (v.ipv6CidrBlocks ?? [])
    .map(
      (c, n) =>
        `<item><associationId>vpc-cidr-assoc-v6-${n}</associationId>${el('ipv6CidrBlock', c)}<ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState></item>`,
    )
    .join('');
  return `<item>${el('vpcId', v.vpcId)}<ownerId>123456789012</ownerId><state>available</state>${el('cidrBlock', v.cidrBlocks[0])}<cidrBlockAssociationSet>${assoc}</cidrBlockAssociationSet><ipv6CidrBlockAssociationSet>${v6}</ipv6CidrBlockAssociationSet><dhcpOptionsId>dopt-1</dhcpOptionsId>${tagSetXml(v.tags)}<instanceTenancy>default</instanceTenancy><isDefault>${v.isDefault ?? false}</isDefault></item>`;
}

function subnetXml(s: FakeSubnet): string {
  const v6 = (s.ipv6CidrBlocks ?? [])
    .map(
      (c, n) =>
        `<item><associationId>subnet-cidr-assoc-${n}</associationId>${el('ipv6CidrBlock', c)}<ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState></item>`,
    )
    .join('');
  return `<item>${el('subnetId', s.subnetId)}<subnetArn>arn:aws:ec2:region:123456789012:subnet/${esc(s.subnetId)}</subnetArn><state>available</state>${el('vpcId', s.vpcId)}${el('cidrBlock', s.cidrBlock)}<ipv6CidrBlockAssociationSet>${v6}</ipv6CidrBlockAssociationSet>${el('availableIpAddressCount', s.availableIpAddressCount ?? 250)}${el('availabilityZone', s.availabilityZone)}<availabilityZoneId>use1-az1</availabilityZoneId><defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>${tagSetXml(s.tags)}</item>`;
}

function loadBalancerXml(lb: FakeLoadBalancer): string {
  const zones = lb.zones
    .map(
      (z) =>
        `<member>${el('ZoneName', z.zoneName)}${el('SubnetId', z.subnetId)}${
          z.addresses?.length
            ? `<LoadBalancerAddresses>${z.addresses.map((a) => `<member>${el('IpAddress', a)}</member>`).join('')}</LoadBalancerAddresses>`
            : ''
        }</member>`,
    )
    .join('');
  return `<member>${el('LoadBalancerArn', lb.arn)}${el('Scheme', lb.scheme)}${el('LoadBalancerName', lb.name)}${el('VpcId', lb.vpcId)}<CanonicalHostedZoneId>Z35SXDOTRQ7X7K</CanonicalHostedZoneId><CreatedTime>2026-11-01T10:00:00.000Z</CreatedTime><AvailabilityZones>${zones}</AvailabilityZones>${el('DNSName', lb.dnsName)}<State><Code>${esc(lb.state ?? 'active')}</Code></State>${el('Type', lb.type)}<IpAddressType>ipv4</IpAddressType></member>`;
}
