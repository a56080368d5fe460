import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';

export enum ServiceMapGroupBy {
  SERVICE = 'service',
  WORKLOAD = 'workload',
  POD = 'pod',
  HOST = 'host',
  NAMESPACE = 'namespace',
}
registerEnumType(ServiceMapGroupBy, { name: 'ServiceMapGroupBy' });

const LABEL_KINDS = ['namespace', 'workload', 'pod', 'host', 'service', 'cluster'] as const;

@InputType({ description: 'A custom label of a resource on either end of an edge, e.g. team = payments.' })
export class ServiceMapLabelInput {
  @Field({ description: 'Label key.' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  key: string;

  @Field({ description: 'Exact label value.' })
  @IsString()
  @MaxLength(1024)
  value: string;

  @Field({
    nullable: true,
    description:
      'Kind of resource the label is on (namespace, workload, pod, host, service, cluster); default: the grouping.',
  })
  @IsOptional()
  @IsIn(LABEL_KINDS)
  kind?: string;
}

@InputType({
  description:
    'Edges whose client or server end matches every given field (so a service keeps its direct peers on the map).',
})
export class ServiceMapFilterInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) namespace?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) service?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) workload?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) pod?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) host?: string;

  @Field(() => [ServiceMapLabelInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(8)
  @ValidateNested({ each: true })
  @Type(() => ServiceMapLabelInput)
  labels?: ServiceMapLabelInput[];
}

@ObjectType({ description: 'RED figures over the range (latencies in microseconds, rates per second).' })
export class ServiceRed {
  @Field(() => Float) requests: number;
  @Field(() => Float, { description: 'Requests per second over the range.' }) requestRate: number;
  @Field(() => Float) clientErrors: number;
  @Field(() => Float) serverErrors: number;
  @Field(() => Float) timeouts: number;
  @Field(() => Float, { description: '(client errors + server errors + timeouts) / requests; 0 without requests.' })
  errorRate: number;
  @Field(() => Float, { description: 'Mean response time (µs) of answered, timed requests; 0 when none.' })
  latencyMeanUs: number;
  @Field(() => Float) latencyMaxUs: number;
  @Field(() => Float, { description: 'From the merged t-digest (approximate).' }) latencyP50Us: number;
  @Field(() => Float) latencyP95Us: number;
  @Field(() => Float) latencyP99Us: number;
}

@ObjectType({ description: 'L4 figures of an edge from the flow rollups (bytes both ways, RTT in µs).' })
export class ServiceMapNetMetrics {
  @Field(() => Float) bytes: number;
  @Field(() => Float) retransmissions: number;
  @Field(() => Float) zeroWindows: number;
  @Field(() => Float) resets: number;
  @Field(() => Float) newFlows: number;
  @Field(() => Float, { description: 'Mean smoothed RTT (µs); 0 when unmeasured.' }) rttMeanUs: number;
  @Field(() => Float, { description: 'Mean TCP connection setup latency (µs); 0 when unmeasured.' })
  connectionSetupMeanUs: number;
}

@ObjectType()
export class ServiceMapNode {
  @Field(() => ID, { description: '`<kind>:<resource id>`, or `unresolved:client` / `unresolved:server`.' })
  id: string;
  @Field({ description: 'service, workload, pod, host or namespace.' }) kind: string;
  @Field(() => Int, { description: 'Resource id (0: the unresolved ends of one side).' }) resourceId: number;
  @Field() name: string;
  @Field({ description: 'Namespace of the resource, when it has one.' }) namespace: string;
  @Field({ description: 'Ends whose resource was not resolved, gathered into one node per side.' })
  unresolved: boolean;
  @Field(() => ServiceRed, { description: 'As a server, over all its callers.' }) red: ServiceRed;
}

@ObjectType()
export class ServiceMapEdge {
  @Field(() => ID) id: string;
  @Field({ description: 'Client node id.' }) source: string;
  @Field({ description: 'Server node id.' }) target: string;
  @Field({
    description:
      'Which observation point the RED figures come from: client, server, or network (the wire, when no agent process sees either end).',
  })
  observedAt: string;
  @Field(() => ServiceRed) red: ServiceRed;
  @Field(() => ServiceMapNetMetrics, { nullable: true, description: 'Null when no flow rollup covers the pair.' })
  net: ServiceMapNetMetrics | null;
}

@ObjectType()
export class ServiceMap {
  @Field(() => [ServiceMapNode]) nodes: ServiceMapNode[];
  @Field(() => [ServiceMapEdge]) edges: ServiceMapEdge[];
  @Field({ description: 'Rollup the map was read from: 1s, 1m or 1h.' }) resolution: string;
  @Field({ description: 'The range actually read (widened to whole rollup buckets).' }) from: Date;
  @Field() to: Date;
}

@ObjectType()
export class ServicePoint {
  @Field() time: Date;
  @Field(() => Float) requestRate: number;
  @Field(() => Float) errorRate: number;
  @Field(() => Float) latencyP50Us: number;
  @Field(() => Float) latencyP95Us: number;
  @Field(() => Float) latencyP99Us: number;
}

@ObjectType()
export class ServiceEndpoint {
  @Field({ description: 'Route template ("" when the parser knew none).' }) endpoint: string;
  @Field(() => ServiceRed) red: ServiceRed;
  @Field(() => [ServicePoint]) series: ServicePoint[];
}

@ObjectType()
export class ServicePeer {
  @Field(() => Int, { description: 'Service resource id (0: unresolved).' }) serviceId: number;
  @Field() name: string;
  @Field() namespace: string;
  @Field(() => ServiceRed) red: ServiceRed;
}

@ObjectType()
export class ServiceDetail {
  @Field(() => Int) serviceId: number;
  @Field() name: string;
  @Field() namespace: string;
  @Field(() => Int, { description: 'Bucket of the series in seconds.' }) step: number;
  @Field() resolution: string;
  @Field(() => ServiceRed, { description: 'As a server over the range.' }) red: ServiceRed;
  @Field(() => [ServicePoint]) series: ServicePoint[];
  @Field(() => [ServiceEndpoint], { description: 'Top endpoints by request count.' }) endpoints: ServiceEndpoint[];
  @Field(() => [ServicePeer], { description: 'Services calling this one.' }) upstream: ServicePeer[];
  @Field(() => [ServicePeer], { description: 'Services this one calls.' }) downstream: ServicePeer[];
}

@ObjectType()
export class ServiceEndpointDetail {
  @Field(() => Int) serviceId: number;
  @Field() service: string;
  @Field() endpoint: string;
  @Field(() => Int) step: number;
  @Field() resolution: string;
  @Field(() => ServiceRed) red: ServiceRed;
  @Field(() => [ServicePoint]) series: ServicePoint[];
  @Field(() => [ServicePeer], { description: 'Services calling this endpoint.' }) upstream: ServicePeer[];
}

/** Bounds of the service pages' arguments (checked in the service, where they depend on the range). */
export const SERVICE_DETAIL_LIMITS = { maxPoints: 1000, maxEndpoints: 50, maxEndpointLength: 256 } as const;
