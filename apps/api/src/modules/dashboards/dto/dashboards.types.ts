import { Field, Float, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';

export enum DashboardProtocol {
  HTTP = 'HTTP',
  HTTP2 = 'HTTP2',
  GRPC = 'GRPC',
  DNS = 'DNS',
  SQL = 'SQL',
  REDIS = 'REDIS',
  KAFKA = 'KAFKA',
  MQTT = 'MQTT',
}
registerEnumType(DashboardProtocol, {
  name: 'DashboardProtocol',
  description: 'A protocol view; SQL covers MySQL and PostgreSQL.',
});

export enum DashboardSide {
  CLIENT = 'CLIENT',
  SERVER = 'SERVER',
  NETWORK = 'NETWORK',
}
registerEnumType(DashboardSide, {
  name: 'DashboardSide',
  description:
    'Observation point: rows an agent saw on the client or on the server side of an exchange, or on the wire (packet capture).',
});

export enum NetworkGroupBy {
  POD = 'POD',
  HOST = 'HOST',
}
registerEnumType(NetworkGroupBy, { name: 'NetworkGroupBy' });

/** Resource names (as the inventory shows them), matched exactly through the resource_names dictionary. */
@InputType()
export class DashboardFilterInput {
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  namespace?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  workload?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  pod?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  host?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  service?: string;

  @Field(() => DashboardSide, {
    nullable: true,
    description: 'Only rows seen from this side; every side when omitted.',
  })
  @IsOptional()
  @IsEnum(DashboardSide)
  side?: DashboardSide;
}

@ObjectType()
export class ProtocolPoint {
  @Field({ description: 'Start of the step.' }) time: Date;
  @Field(() => Float) requests: number;
  @Field(() => Float, { description: 'Client errors, server errors and timeouts.' }) errors: number;
  @Field(() => Float, { description: 'Requests per second over the step.' }) ratePerSecond: number;
  @Field(() => Float, { description: 'Mean latency of answered requests, µs (0 when none).' }) avgLatencyUs: number;
  @Field(() => Float) maxLatencyUs: number;
  @Field(() => Float, { description: 'p99 latency from the rollup digest, µs (approximate).' }) p99LatencyUs: number;
}

@ObjectType()
export class ProtocolTotals {
  @Field(() => Float) requests: number;
  @Field(() => Float) errors: number;
  @Field(() => Float, { description: 'errors / requests, 0 when no requests.' }) errorRate: number;
  @Field(() => Float) avgLatencyUs: number;
  @Field(() => Float) maxLatencyUs: number;
  @Field(() => Float) p99LatencyUs: number;
  @Field(() => Float, { nullable: true, description: 'DNS only: answers with RCODE 3 (NXDOMAIN).' })
  nxdomain: number | null;
}

@ObjectType()
export class ProtocolTopRow {
  @Field({ description: 'What the row groups by (endpoint, query name, statement, command, topic, query type).' })
  key: string;
  @Field({ description: 'Verb, command, query type or Kafka API; "" when the table groups by resource only.' })
  requestType: string;
  @Field({ description: 'Table, key, name or topic; "" when the table groups by type only.' }) resource: string;
  @Field(() => Float) requests: number;
  @Field(() => Float) errors: number;
  @Field(() => Float) errorRate: number;
  @Field(() => Float) avgLatencyUs: number;
  @Field(() => Float) maxLatencyUs: number;
  @Field(() => Float, { nullable: true, description: 'DNS only: NXDOMAIN answers.' }) nxdomain: number | null;
}

@ObjectType()
export class ProtocolTopTable {
  @Field({ description: 'Stable id of the table, e.g. dnsNames, sqlSlowStatements.' }) id: string;
  @Field() title: string;
  @Field({ description: 'Start of the window the table covers (tables over raw rows read at most the last 6 h).' })
  from: Date;
  @Field(() => [ProtocolTopRow]) rows: ProtocolTopRow[];
}

@ObjectType()
export class ProtocolOverview {
  @Field(() => DashboardProtocol) protocol: DashboardProtocol;
  @Field(() => Int) stepSeconds: number;
  @Field(() => ProtocolTotals) totals: ProtocolTotals;
  @Field(() => [ProtocolPoint]) series: ProtocolPoint[];
  @Field(() => [ProtocolTopTable]) tables: ProtocolTopTable[];
}

@ObjectType()
export class NetworkMetrics {
  @Field(() => Float, { description: 'Bytes the pod/host sent.' }) bytesTx: number;
  @Field(() => Float, { description: 'Bytes the pod/host received.' }) bytesRx: number;
  @Field(() => Float) retransmissions: number;
  @Field(() => Float) zeroWindows: number;
  @Field(() => Float, { description: 'Connections closed by a reset.' }) resets: number;
  @Field(() => Float) connectFailures: number;
  @Field(() => Float) newFlows: number;
  @Field(() => Float, { description: 'Mean smoothed RTT, µs (0 when no sample).' }) avgRttUs: number;
  @Field(() => Float) maxRttUs: number;
  @Field(() => Float, { description: 'Mean SYN → established, µs (0 when no connection was set up).' })
  avgConnSetupUs: number;
  @Field(() => Float) maxConnSetupUs: number;
}

@ObjectType()
export class NetworkPoint extends NetworkMetrics {
  @Field({ description: 'Start of the step.' }) time: Date;
}

@ObjectType()
export class NetworkEntity extends NetworkMetrics {
  @Field(() => Int, { description: 'Resource id of the pod or host.' }) id: number;
  @Field({ description: 'Its name from the inventory ("" when not known).' }) name: string;
  @Field(() => [NetworkPoint], { description: 'One point per step that has data.' }) series: NetworkPoint[];
}

@ObjectType()
export class NetworkOverview {
  @Field(() => NetworkGroupBy) groupBy: NetworkGroupBy;
  @Field(() => Int) stepSeconds: number;
  @Field(() => [NetworkEntity], {
    description: 'The worst pods/hosts first: most retransmissions, resets, zero windows and failed connects.',
  })
  entities: NetworkEntity[];
}
