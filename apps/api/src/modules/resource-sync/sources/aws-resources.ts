import type { Instance, Subnet, Tag, Vpc } from '@aws-sdk/client-ec2';
import type { LoadBalancer, TagDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { canonicalCidr, canonicalIp } from './ip-text.js';
import { type DiscoveredResource, type ResourceKey, SourceError } from './source-types.js';

/**
 * EC2/ELBv2 objects (as the SDK parsed them) → discovered resources.
 *
 * Hierarchy: region > vpc > subnet > instance, load balancers under their VPC, and each AZ under its region.
 * A VPC spans every AZ of its region, so "az > vpc" cannot be a single-parent edge: the AZ is kept on subnets,
 * instances and load balancers as the `availabilityZone` attribute (and the AZ resource exists for the inventory),
 * while the parent chain keeps the VPC, which is what disambiguates overlapping private IPs.
 */
export class AwsRegionMapper {
  private readonly azs = new Set<string>();
  private readonly loadBalancers = new Map<string, DiscoveredResource>();
  readonly resources: DiscoveredResource[] = [];

  constructor(readonly region: string) {
    this.resources.push({
      kind: 'region',
      externalId: region,
      name: region,
      labels: {},
      attributes: { provider: 'aws' },
    });
  }

  private regionKey(): ResourceKey {
    return { kind: 'region', externalId: this.region };
  }

  private az(name: string | undefined): void {
    if (!name || this.azs.has(name)) return;
    this.azs.add(name);
    this.resources.push({ kind: 'az', externalId: name, name, labels: {}, attributes: {}, parent: this.regionKey() });
  }

  addVpcs(vpcs: Vpc[]): void {
    for (const v of vpcs) {
      const id = required(v.VpcId, 'DescribeVpcs', 'vpcId');
      const labels = tagsToLabels(v.Tags);
      const cidrs = new Set<string>();
      for (const a of v.CidrBlockAssociationSet ?? []) {
        if (a.CidrBlockState?.State === 'associated') addCidr(cidrs, a.CidrBlock, 'DescribeVpcs');
      }
      for (const a of v.Ipv6CidrBlockAssociationSet ?? []) {
        if (a.Ipv6CidrBlockState?.State === 'associated') addCidr(cidrs, a.Ipv6CidrBlock, 'DescribeVpcs');
      }
      if (cidrs.size === 0) addCidr(cidrs, v.CidrBlock, 'DescribeVpcs');
      this.resources.push({
        kind: 'vpc',
        externalId: id,
        name: labels['Name'] || id,
        labels,
        attributes: compact({ state: v.State, isDefault: v.IsDefault ?? false, ownerId: v.OwnerId }),
        parent: this.regionKey(),
        cidrs: [...cidrs],
      });
    }
  }

  addSubnets(subnets: Subnet[]): void {
    for (const s of subnets) {
      const id = required(s.SubnetId, 'DescribeSubnets', 'subnetId');
      const vpcId = required(s.VpcId, 'DescribeSubnets', 'vpcId');
      this.az(s.AvailabilityZone);
      const labels = tagsToLabels(s.Tags);
      const cidrs = new Set<string>();
      addCidr(cidrs, s.CidrBlock, 'DescribeSubnets');
      for (const a of s.Ipv6CidrBlockAssociationSet ?? []) {
        if (a.Ipv6CidrBlockState?.State === 'associated') addCidr(cidrs, a.Ipv6CidrBlock, 'DescribeSubnets');
      }
      this.resources.push({
        kind: 'subnet',
        externalId: id,
        name: labels['Name'] || id,
        labels,
        attributes: compact({
          availabilityZone: s.AvailabilityZone,
          availabilityZoneId: s.AvailabilityZoneId,
          availableIpAddressCount: s.AvailableIpAddressCount,
          state: s.State,
        }),
        parent: { kind: 'vpc', externalId: vpcId },
        cidrs: [...cidrs],
      });
    }
  }

  /** Terminated instances are skipped: they hold no addresses, and leaving them out lets the engine tombstone them. */
  addInstances(instances: Instance[]): void {
    for (const i of instances) {
      const id = required(i.InstanceId, 'DescribeInstances', 'instanceId');
      const state = i.State?.Name;
      if (state === 'terminated') continue;
      const az = i.Placement?.AvailabilityZone;
      this.az(az);
      const labels = tagsToLabels(i.Tags);
      const ips = new Set<string>();
      addIp(ips, i.PrivateIpAddress, 'DescribeInstances');
      addIp(ips, i.PublicIpAddress, 'DescribeInstances');
      for (const eni of i.NetworkInterfaces ?? []) {
        for (const p of eni.PrivateIpAddresses ?? []) {
          addIp(ips, p.PrivateIpAddress, 'DescribeInstances');
          addIp(ips, p.Association?.PublicIp, 'DescribeInstances');
        }
        for (const v6 of eni.Ipv6Addresses ?? []) addIp(ips, v6.Ipv6Address, 'DescribeInstances');
      }
      const parent: ResourceKey = i.SubnetId
        ? { kind: 'subnet', externalId: i.SubnetId }
        : az
          ? { kind: 'az', externalId: az }
          : this.regionKey();
      this.resources.push({
        kind: 'host',
        externalId: id,
        name: labels['Name'] || id,
        labels,
        attributes: compact({
          provider: 'aws',
          state,
          instanceType: i.InstanceType,
          availabilityZone: az,
          vpcId: i.VpcId,
          subnetId: i.SubnetId,
          privateIpAddress: i.PrivateIpAddress,
          publicIpAddress: i.PublicIpAddress,
          privateDnsName: i.PrivateDnsName || undefined,
          publicDnsName: i.PublicDnsName || undefined,
          imageId: i.ImageId,
          launchTime: i.LaunchTime?.toISOString(),
        }),
        parent,
        ips: [...ips],
      });
    }
  }

  addLoadBalancers(lbs: LoadBalancer[]): void {
    for (const lb of lbs) {
      const arn = required(lb.LoadBalancerArn, 'DescribeLoadBalancers', 'LoadBalancerArn');
      const ips = new Set<string>();
      const zones: string[] = [];
      for (const z of lb.AvailabilityZones ?? []) {
        if (z.ZoneName) zones.push(z.ZoneName);
        for (const a of z.LoadBalancerAddresses ?? []) {
          addIp(ips, a.IpAddress, 'DescribeLoadBalancers');
          addIp(ips, a.PrivateIPv4Address, 'DescribeLoadBalancers');
          addIp(ips, a.IPv6Address, 'DescribeLoadBalancers');
        }
      }
      const resource: DiscoveredResource = {
        kind: 'load_balancer',
        externalId: arn,
        name: lb.LoadBalancerName ?? arn,
        labels: {},
        attributes: compact({
          dnsName: lb.DNSName,
          type: lb.Type,
          scheme: lb.Scheme,
          state: lb.State?.Code,
          vpcId: lb.VpcId,
          availabilityZones: zones,
          subnetIds: (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])),
          ipAddressType: lb.IpAddressType,
        }),
        parent: lb.VpcId ? { kind: 'vpc', externalId: lb.VpcId } : this.regionKey(),
        ...(ips.size > 0 ? { ips: [...ips] } : {}),
      };
      this.resources.push(resource);
      this.loadBalancers.set(arn, resource);
    }
  }

  /** ARNs of the load balancers listed so far (their tags come from a separate DescribeTags call). */
  loadBalancerArns(): string[] {
    return [...this.loadBalancers.keys()];
  }

  addLoadBalancerTags(descriptions: TagDescription[]): void {
    for (const d of descriptions) {
      const lb = d.ResourceArn ? this.loadBalancers.get(d.ResourceArn) : undefined;
      if (!lb) continue;
      lb.labels = {};
      for (const t of d.Tags ?? []) if (t.Key !== undefined) lb.labels[t.Key] = t.Value ?? '';
    }
  }
}

/** EC2 tags → labels. Keys starting with `aws:` are AWS's own bookkeeping and kept too: they are real tags. */
export function tagsToLabels(tags: Tag[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) labels[t.Key] = t.Value ?? '';
  return labels;
}

function required(value: string | undefined, what: string, field: string): string {
  if (!value) throw new SourceError(`${what}: an item has no ${field}`, 'malformed', true);
  return value;
}

function addIp(into: Set<string>, text: string | undefined, what: string): void {
  if (!text) return;
  const ip = canonicalIp(text);
  if (ip === null) throw new SourceError(`${what}: '${text}' is not an IP address`, 'malformed', true);
  into.add(ip);
}

function addCidr(into: Set<string>, text: string | undefined, what: string): void {
  if (!text) return;
  const cidr = canonicalCidr(text);
  if (cidr === null) throw new SourceError(`${what}: '${text}' is not a CIDR`, 'malformed', true);
  into.add(cidr);
}

/** Drops undefined values so attributes compare equal to their JSON round trip (the engine diffs stored JSON). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
