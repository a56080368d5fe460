import type { FakeAwsInventory, FakeInstance, FakeSubnet, FakeVpc } from './fake-aws.js';

/**
 * A deterministic AWS inventory of any size for tests and benchmarks: `vpcs` VPCs (10.<v>.0.0/16), each with one
 * subnet per AZ (10.<v>.<az>.0/24 … wrapping into further /24s), instances spread round-robin over the subnets, and
 * one load balancer per VPC.
 */
export function generateAwsInventory(opts: {
  region: string;
  instances: number;
  vpcs?: number;
  azs?: number;
}): FakeAwsInventory {
  const vpcCount = opts.vpcs ?? 2;
  const azCount = opts.azs ?? 3;
  const azName = (a: number): string => `${opts.region}${String.fromCharCode(97 + a)}`;
  const vpcs: FakeVpc[] = [];
  const subnets: FakeSubnet[] = [];
  for (let v = 0; v < vpcCount; v++) {
    const vpcId = `vpc-${opts.region}-${v}`;
    vpcs.push({
      vpcId,
      cidrBlocks: [`10.${v}.0.0/16`],
      tags: [
        { key: 'Name', value: `vpc ${v}` },
        { key: 'env', value: v % 2 ? 'prod' : 'dev' },
      ],
    });
    for (let a = 0; a < azCount; a++) {
      subnets.push({
        subnetId: `subnet-${opts.region}-${v}-${a}`,
        vpcId,
        cidrBlock: `10.${v}.${a * 64}.0/18`,
        availabilityZone: azName(a),
      });
    }
  }
  const instances: FakeInstance[] = [];
  for (let n = 0; n < opts.instances; n++) {
    const subnetIndex = n % subnets.length;
    const subnet = subnets[subnetIndex] as FakeSubnet;
    const v = Math.floor(subnetIndex / azCount);
    const a = subnetIndex % azCount;
    const hostIndex = Math.floor(n / subnets.length) + 4;
    const ip = `10.${v}.${a * 64 + (hostIndex >> 8)}.${hostIndex & 255}`;
    instances.push({
      instanceId: `i-${n.toString(16).padStart(17, '0')}`,
      state: 'running',
      instanceType: 't3.micro',
      availabilityZone: subnet.availabilityZone,
      vpcId: subnet.vpcId,
      subnetId: subnet.subnetId,
      privateIpAddress: ip,
      privateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`,
      tags: [
        { key: 'Name', value: `host-${n}` },
        { key: 'team', value: `team-${n % 7}` },
      ],
    });
  }
  const loadBalancers = vpcs.map((vpc, v) => ({
    arn: `arn:aws:elasticloadbalancing:${opts.region}:123456789012:loadbalancer/app/lb-${v}/${v.toString(16).padStart(16, '0')}`,
    name: `lb-${v}`,
    dnsName: `lb-${v}-1234567890.${opts.region}.elb.amazonaws.com`,
    type: 'application' as const,
    scheme: 'internet-facing' as const,
    vpcId: vpc.vpcId,
    tags: [{ key: 'service', value: `frontend-${v}` }],
    zones: subnets
      .filter((s) => s.vpcId === vpc.vpcId)
      .map((s) => ({ zoneName: s.availabilityZone, subnetId: s.subnetId })),
  }));
  return { instances, vpcs, subnets, loadBalancers };
}
