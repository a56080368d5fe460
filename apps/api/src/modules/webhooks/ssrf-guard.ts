import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * Why a webhook address is refused. Cloud metadata endpoints are named apart from other link-local addresses
 * because they are the classic SSRF prize (instance credentials).
 */
export type AddressRefusal = 'metadata' | 'loopback' | 'private' | 'link-local' | 'non-public';

const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2'];

/**
 * Classifies an address: null when it is public unicast, else why not. Only ipaddr.js's `unicast` range counts
 * as public — every special range it knows (private, CGNAT, multicast, reserved, 6to4/Teredo tunnels that embed
 * another address, …) is refused; IPv4-mapped IPv6 is judged as the IPv4 address it carries.
 */
export function classifyAddress(address: string): AddressRefusal | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const normalized = ip.toNormalizedString();
  if (METADATA_ADDRESSES.some((m) => ipaddr.parse(m).toNormalizedString() === normalized)) return 'metadata';
  const range = ip.range();
  if (range === 'unicast') return null;
  if (range === 'loopback') return 'loopback';
  if (range === 'private' || range === 'uniqueLocal' || range === 'carrierGradeNat') return 'private';
  if (range === 'linkLocal') return 'link-local';
  return 'non-public';
}

/** What the deployment allows besides public addresses. */
export interface AddressPolicy {
  /** BATHYSCOPE_WEBHOOK_ALLOW_PRIVATE=1: private, loopback and link-local allowed (metadata still refused). */
  allowPrivate: boolean;
  /** BATHYSCOPE_WEBHOOK_ALLOW_CIDRS: comma-separated CIDRs allowed whatever their class (metadata included). */
  allowCidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export function addressPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): AddressPolicy {
  const cidrs = (env.BATHYSCOPE_WEBHOOK_ALLOW_CIDRS ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) => ipaddr.parseCIDR(c));
  return { allowPrivate: env.BATHYSCOPE_WEBHOOK_ALLOW_PRIVATE === '1', allowCidrs: cidrs };
}

/** Null when the policy lets the webhook connect to `address`, else why not. */
export function refusalUnder(policy: AddressPolicy, address: string): AddressRefusal | null {
  const refusal = classifyAddress(address);
  if (refusal === null) return null;
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (policy.allowCidrs.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return null;
  if (policy.allowPrivate && refusal !== 'metadata' && refusal !== 'non-public') return null;
  return refusal;
}

export class WebhookTargetRefused extends Error {
  constructor(
    readonly reason: AddressRefusal | 'scheme' | 'unresolvable',
    message: string,
  ) {
    super(message);
  }
}

/** The address a delivery connects to, decided once, so a DNS answer changing between check and use is moot. */
export interface PinnedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host and checks every address it resolves to (one bad answer refuses the whole name, since
 * a resolver may rotate them); the first is pinned for the connection.
 */
export async function resolveWebhookTarget(rawUrl: string, policy: AddressPolicy): Promise<PinnedTarget> {
  const url = new URL(rawUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookTargetRefused('scheme', `only http and https URLs can receive webhooks, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (err) {
      throw new WebhookTargetRefused('unresolvable', `${host} does not resolve: ${(err as Error).message}`);
    }
  }
  if (addresses.length === 0) throw new WebhookTargetRefused('unresolvable', `${host} does not resolve`);
  for (const a of addresses) {
    const refusal = refusalUnder(policy, a.address);
    if (refusal)
      throw new WebhookTargetRefused(
        refusal,
        `${host} resolves to ${a.address}, a ${refusal} address; webhooks go to public addresses only`,
      );
  }
  const first = addresses[0] as { address: string; family: number };
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
