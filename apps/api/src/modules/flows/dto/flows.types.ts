import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsIn, IsInt, IsIP, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageInfo } from '../../requests/dto/requests.types.js';

/** Values of l4_flow_log.protocol a user can filter on (strings, so a bad value is BAD_USER_INPUT). */
export const FLOW_PROTOCOLS = ['tcp', 'udp'] as const;
/** Values of l4_flow_log.close_type. */
export const FLOW_CLOSE_TYPES = ['open', 'normal', 'reset', 'timeout', 'connect_failed'] as const;

@InputType()
export class FlowFilterInput {
  @Field({ nullable: true, description: 'Namespace of either end (exact name).' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  namespace?: string;

  @Field({ nullable: true, description: 'Workload of either end (exact name).' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  workload?: string;

  @Field({ nullable: true, description: 'Pod of either end (exact name).' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  pod?: string;

  @Field({ nullable: true, description: 'Host of either end (exact name).' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  host?: string;

  @Field({ nullable: true, description: 'Service of either end (exact name).' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  service?: string;

  @Field({ nullable: true, description: 'Client address (IPv4 or IPv6).' })
  @IsOptional()
  @IsIP()
  clientIp?: string;

  @Field({ nullable: true, description: 'Server address (IPv4 or IPv6).' })
  @IsOptional()
  @IsIP()
  serverIp?: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  serverPort?: number;

  @Field({ nullable: true, description: `One of ${FLOW_PROTOCOLS.join(', ')}.` })
  @IsOptional()
  @IsIn(FLOW_PROTOCOLS)
  protocol?: string;

  @Field({ nullable: true, description: `One of ${FLOW_CLOSE_TYPES.join(', ')}.` })
  @IsOptional()
  @IsIn(FLOW_CLOSE_TYPES)
  closeType?: string;

  @Field(() => Int, { nullable: true, description: 'Smoothed RTT of at least this many microseconds.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(4_294_967_295)
  minRttUs?: number;

  @Field(() => Int, { nullable: true, description: 'At least this many retransmissions (both directions).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(4_294_967_295)
  minRetransmissions?: number;
}

@ObjectType({ description: 'One end of a flow, by the resources it was tagged with ("" when unknown).' })
export class FlowEnd {
  @Field() ip: string;
  @Field(() => Int) port: number;
  @Field() host: string;
  @Field() namespace: string;
  @Field() workload: string;
  @Field() pod: string;
  @Field() service: string;
  @Field() process: string;
}

@ObjectType()
export class FlowLog {
  @Field(() => ID) id: string;
  @Field({ description: 'Start of the reporting interval.' }) time: Date;
  @Field() endTime: Date;
  @Field({ description: 'Connection id, stable across its interval rows.' }) flowId: string;
  @Field({ description: 'Observation point: client, server or unknown.' }) side: string;
  @Field() protocol: string;
  @Field({ description: 'open (interval row), normal, reset, timeout or connect_failed.' }) closeType: string;
  @Field(() => Int) pid: number;
  @Field() processName: string;
  @Field(() => FlowEnd) client: FlowEnd;
  @Field(() => FlowEnd) server: FlowEnd;
  @Field(() => Float, { description: 'Client → server.' }) bytesTx: number;
  @Field(() => Float, { description: 'Server → client.' }) bytesRx: number;
  @Field(() => Float) packetsTx: number;
  @Field(() => Float) packetsRx: number;
  @Field(() => Float) retransTx: number;
  @Field(() => Float) retransRx: number;
  @Field(() => Float) zeroWinTx: number;
  @Field(() => Float) zeroWinRx: number;
  @Field(() => Float, { description: 'Smoothed RTT at the end of the interval (0: no sample).' }) rttUs: number;
  @Field(() => Float, { description: 'SYN → established (0 outside the setup interval).' }) connSetupUs: number;
  @Field(() => Int) agentId: number;
}

@ObjectType()
export class FlowLogEdge {
  @Field() cursor: string;
  @Field(() => FlowLog) node: FlowLog;
}

@ObjectType()
export class FlowLogConnection {
  @Field(() => [FlowLogEdge]) edges: FlowLogEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}
