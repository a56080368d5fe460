import {
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { awsErrorToSourceError } from './aws-errors.js';
import { expectOperationResponse } from './aws-response-guard.js';
import { AwsRegionMapper } from './aws-resources.js';
import { readAllPages } from './paged-listing.js';
import { type ConnectorSource, type DiscoveredResource, SourceError, type SourceListing } from './source-types.js';

/**
 * AWS connector source: EC2 instances, VPCs, subnets and ELBv2 load balancers of the configured regions, read
 * with the AWS SDK v3 clients. `endpoint` overrides the service endpoints (LocalStack, or the
 * loopback fake in tests). With `roleArn` the static credentials only assume that role (STS), the usual
 * cross-account setup; the temporary credentials are renewed before they expire.
 */
export interface AwsConnectorConfig {
  regions: string[];
  /** One endpoint for every service (LocalStack, the test fake); `elbEndpoint`/`stsEndpoint` override per service. */
  endpoint?: string;
  elbEndpoint?: string;
  stsEndpoint?: string;
  roleArn?: string;
  /** The `sts:ExternalId` the role's trust policy asks for, if any. */
  externalId?: string;
  /** Per-request timeout; a listing is many requests. */
  requestTimeoutMs?: number;
}

export interface AwsConnectorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** 1000 × 1000 instances per region is far beyond any account we serve; the bound only stops a runaway server. */
const MAX_PAGES = 1_000;
const ELB_TAG_BATCH = 20;
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function createAwsSource(config: unknown, credentials: unknown): ConnectorSource {
  return new AwsSource(parseAwsConfig(config), parseAwsCredentials(credentials));
}

export function parseAwsConfig(input: unknown): AwsConnectorConfig {
  const c = asObject(input, 'config');
  const regions = c['regions'] !== undefined ? c['regions'] : c['region'] !== undefined ? [c['region']] : undefined;
  if (!Array.isArray(regions) || regions.length === 0 || regions.length > 40) {
    throw configError('config.regions must list 1–40 regions');
  }
  for (const r of regions) {
    if (typeof r !== 'string' || !REGION_PATTERN.test(r))
      throw configError(`config.regions: '${String(r)}' is not an AWS region`);
  }
  const out: AwsConnectorConfig = { regions: [...new Set(regions as string[])] };
  for (const key of ['endpoint', 'elbEndpoint', 'stsEndpoint'] as const) {
    if (c[key] === undefined) continue;
    const endpoint = optionalString(c, key);
    if (!endpoint || !/^https?:\/\//.test(endpoint) || !URL.canParse(endpoint)) {
      throw configError(`config.${key} must be an http(s) URL`);
    }
    out[key] = endpoint;
  }
  if (c['roleArn'] !== undefined) {
    const roleArn = optionalString(c, 'roleArn');
    if (!roleArn || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn))
      throw configError('config.roleArn is not an IAM role ARN');
    out.roleArn = roleArn;
  }
  const externalId = optionalString(c, 'externalId');
  if (externalId) out.externalId = externalId;
  if (c['requestTimeoutMs'] !== undefined) {
    const t = c['requestTimeoutMs'];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1000 || t > 300_000) {
      throw configError('config.requestTimeoutMs must be an integer 1000–300000');
    }
    out.requestTimeoutMs = t;
  }
  return out;
}

export function parseAwsCredentials(input: unknown): AwsConnectorCredentials {
  const c = asObject(input, 'credentials');
  const accessKeyId = optionalString(c, 'accessKeyId');
  const secretAccessKey = optionalString(c, 'secretAccessKey');
  if (!accessKeyId || !secretAccessKey) throw configError('credentials need accessKeyId and secretAccessKey');
  const sessionToken = optionalString(c, 'sessionToken');
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

export class AwsSource implements ConnectorSource {
  private readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;

  constructor(
    private readonly config: AwsConnectorConfig,
    credentials: AwsConnectorCredentials,
  ) {
    this.credentials = config.roleArn ? assumedRoleProvider(config, credentials) : credentials;
  }

  async test(signal?: AbortSignal): Promise<void> {
    // One small authenticated call per region proves endpoint, credentials and ec2:DescribeVpcs permission.
    for (const region of this.config.regions) {
      const ec2 = this.ec2(region);
      try {
        await ec2.send(new DescribeVpcsCommand({ MaxResults: 5 }), { abortSignal: signal });
      } catch (err) {
        signal?.throwIfAborted();
        throw awsErrorToSourceError(err, `DescribeVpcs in ${region}`);
      } finally {
        ec2.destroy();
      }
    }
  }

  async list(signal?: AbortSignal): Promise<SourceListing> {
    const resources: DiscoveredResource[] = [];
    for (const region of this.config.regions) {
      const mapper = await this.listRegion(region, signal);
      for (const r of mapper.resources) resources.push(r);
    }
    return { resources };
  }

  private async listRegion(region: string, signal: AbortSignal | undefined): Promise<AwsRegionMapper> {
    const ec2 = this.ec2(region);
    const elb = this.elb(region);
    const mapper = new AwsRegionMapper(region);
    const common = { maxPages: MAX_PAGES, signal };
    try {
      await readAllPages({
        ...common,
        what: `DescribeVpcs in ${region}`,
        toSourceError: (err) => awsErrorToSourceError(err, `DescribeVpcs in ${region}`),
        fetchPage: async (token) => {
          const out = await ec2.send(new DescribeVpcsCommand({ MaxResults: 1000, NextToken: token }), {
            abortSignal: signal,
          });
          return { items: out.Vpcs ?? [], next: out.NextToken || undefined };
        },
        onItems: (items) => mapper.addVpcs(items),
      });
      await readAllPages({
        ...common,
        what: `DescribeSubnets in ${region}`,
        toSourceError: (err) => awsErrorToSourceError(err, `DescribeSubnets in ${region}`),
        fetchPage: async (token) => {
          const out = await ec2.send(new DescribeSubnetsCommand({ MaxResults: 1000, NextToken: token }), {
            abortSignal: signal,
          });
          return { items: out.Subnets ?? [], next: out.NextToken || undefined };
        },
        onItems: (items) => mapper.addSubnets(items),
      });
      await readAllPages<Instance>({
        ...common,
        what: `DescribeInstances in ${region}`,
        toSourceError: (err) => awsErrorToSourceError(err, `DescribeInstances in ${region}`),
        fetchPage: async (token) => {
          const out = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000, NextToken: token }), {
            abortSignal: signal,
          });
          const items: Instance[] = [];
          for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) items.push(i);
          return { items, next: out.NextToken || undefined };
        },
        onItems: (items) => mapper.addInstances(items),
      });
      await readAllPages({
        ...common,
        what: `DescribeLoadBalancers in ${region}`,
        toSourceError: (err) => awsErrorToSourceError(err, `DescribeLoadBalancers in ${region}`),
        fetchPage: async (marker) => {
          const out = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 400, Marker: marker }), {
            abortSignal: signal,
          });
          return { items: out.LoadBalancers ?? [], next: out.NextMarker || undefined };
        },
        onItems: (items) => mapper.addLoadBalancers(items),
      });
      // DescribeTags takes at most 20 ARNs; batches are read like pages so a later failing batch is `partial`.
      const arns = mapper.loadBalancerArns();
      if (arns.length > 0) {
        await readAllPages({
          ...common,
          what: `DescribeTags (load balancers) in ${region}`,
          toSourceError: (err) => awsErrorToSourceError(err, `DescribeTags in ${region}`),
          fetchPage: async (cursor) => {
            const from = cursor ? Number(cursor) : 0;
            const batch = arns.slice(from, from + ELB_TAG_BATCH);
            const out = await elb.send(new DescribeTagsCommand({ ResourceArns: batch }), { abortSignal: signal });
            const next = from + ELB_TAG_BATCH < arns.length ? String(from + ELB_TAG_BATCH) : undefined;
            return { items: out.TagDescriptions ?? [], next };
          },
          onItems: (items) => mapper.addLoadBalancerTags(items),
        });
      }
      return mapper;
    } finally {
      ec2.destroy();
      elb.destroy();
    }
  }

  private ec2(region: string): EC2Client {
    const client = new EC2Client(this.clientConfig(region));
    client.middlewareStack.use(expectOperationResponse());
    return client;
  }

  private elb(region: string): ElasticLoadBalancingV2Client {
    const client = new ElasticLoadBalancingV2Client(this.clientConfig(region, this.config.elbEndpoint));
    client.middlewareStack.use(expectOperationResponse());
    return client;
  }

  private clientConfig(region: string, endpoint = this.config.endpoint) {
    return {
      region,
      credentials: this.credentials,
      // The SDK would otherwise retry throttles itself (3 attempts, its own backoff) and hide them from the
      // connector's status; one attempt lets the scheduler back off across runs and show "rate limited".
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        requestTimeout: this.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      },
      ...(endpoint ? { endpoint } : {}),
    };
  }
}

/** Temporary credentials from sts:AssumeRole, renewed five minutes before they expire. */
function assumedRoleProvider(config: AwsConnectorConfig, base: AwsConnectorCredentials): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const sts = new STSClient({
      region: config.regions[0] ?? 'us-east-1',
      credentials: base,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS },
      ...((config.stsEndpoint ?? config.endpoint) ? { endpoint: config.stsEndpoint ?? config.endpoint } : {}),
    });
    sts.middlewareStack.use(expectOperationResponse());
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: config.roleArn,
          RoleSessionName: 'bathyscope-resource-sync',
          DurationSeconds: 3600,
          ...(config.externalId ? { ExternalId: config.externalId } : {}),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new SourceError('AssumeRole returned no credentials', 'malformed', true);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    } catch (err) {
      throw awsErrorToSourceError(err, `AssumeRole ${config.roleArn}`);
    } finally {
      sts.destroy();
    }
  };
  return async () => {
    const fresh = current?.expiration ? current.expiration.getTime() - Date.now() > 5 * 60_000 : current !== undefined;
    if (current && fresh) return current;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current;
  };
}

function asObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw configError(`${what} must be an object`);
  return input as Record<string, unknown>;
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw configError(`${key} must be a string`);
  return v.trim() || undefined;
}

const configError = (message: string): SourceError => new SourceError(message, 'config', false);
