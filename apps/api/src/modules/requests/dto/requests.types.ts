import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

@InputType()
export class TimeRangeInput {
  @Field()
  @Type(() => Date)
  @IsDate()
  from: Date;

  @Field()
  @Type(() => Date)
  @IsDate()
  to: Date;
}

@InputType()
export class RequestFilterInput {
  @Field({ nullable: true, description: 'Exact request method, e.g. GET.' })
  @IsOptional()
  @Matches(/^[A-Z]{1,16}$/, { message: 'method must be 1-16 upper-case letters' })
  method?: string;

  @Field({ nullable: true, description: 'Substring of the request path.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  pathContains?: string;

  @Field({
    nullable: true,
    description: 'Exact namespace: as the agent reported it, or the inventory name of either party of the request.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  namespace?: string;

  @Field({
    nullable: true,
    description: 'Exact service: as the agent reported it, or the inventory name of either party of the request.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  service?: string;

  @Field({ nullable: true, description: 'Exact workload name (inventory) of either party of the request.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  workload?: string;

  @Field({ nullable: true, description: 'Exact pod name (inventory) of either party of the request.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  pod?: string;

  @Field({ nullable: true, description: 'Exact host name (inventory) of either party of the request.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  host?: string;

  @Field({ nullable: true, description: 'W3C trace id, 32 lower-case hex digits.' })
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/, { message: 'traceId must be 32 lower-case hex digits' })
  traceId?: string;

  @Field({ nullable: true, description: "W3C span id (the caller's span in traceparent), 16 lower-case hex digits." })
  @IsOptional()
  @Matches(/^[0-9a-f]{16}$/, { message: 'spanId must be 16 lower-case hex digits' })
  spanId?: string;

  @Field({ nullable: true, description: 'Exact request id header value (x-request-id or the configured names).' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  xRequestId?: string;

  @Field({
    nullable: true,
    description: 'L7 protocol: http1, http2, grpc, dns, mysql, postgresql, redis, kafka, mqtt.',
  })
  @IsOptional()
  @Matches(/^(http1|http2|grpc|dns|mysql|postgresql|redis|kafka|mqtt)$/, {
    message: 'protocol must be one of http1, http2, grpc, dns, mysql, postgresql, redis, kafka, mqtt',
  })
  protocol?: string;

  @Field({ nullable: true, description: 'Exact endpoint (route template, `SELECT users`, DNS name, Redis command).' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  endpoint?: string;

  @Field({
    nullable: true,
    description: 'Exact resource: the path, DNS name, SQL text, Redis command and key or Kafka topic as recorded.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  resource?: string;

  @Field({ nullable: true, description: 'Exact environment of the observed workload.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  environment?: string;

  @Field(() => Int, { nullable: true, description: 'Exact response status code.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(999)
  status?: number;
}

@InputType()
export class PageInput {
  @Field(() => Int, { defaultValue: 100 })
  @IsInt()
  @Min(1)
  @Max(500)
  first = 100;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;
}

@ObjectType()
export class RequestLog {
  @Field(() => ID) id: string;
  @Field() time: Date;
  @Field() endTime: Date;
  @Field(() => Float, { description: 'Response time in microseconds (request first byte → response first byte).' })
  latencyUs: number;
  @Field(() => Int) pid: number;
  @Field() processName: string;
  @Field({
    description: 'Observation point: client, server (an agent process) or network (packet capture on the wire).',
  })
  side: string;
  @Field() clientIp: string;
  @Field(() => Int) clientPort: number;
  @Field() serverIp: string;
  @Field(() => Int) serverPort: number;
  @Field() protocol: string;
  @Field() method: string;
  @Field() path: string;
  @Field() host: string;
  @Field() version: string;
  @Field(() => Int) status: number;
  @Field() responseStatus: string;
  @Field(() => Float) requestBytes: number;
  @Field(() => Float) responseBytes: number;
  @Field(() => Int) agentId: number;
  @Field({ description: 'Namespace of the observed workload ("" when unknown).' }) namespace: string;
  @Field({ description: 'Service of the observed workload ("" when unknown).' }) service: string;
  @Field({ description: 'Environment of the observed workload ("" when unknown).' }) environment: string;
  @Field(() => [String], { description: 'Fields emptied by a field-level policy.' }) redactedFields: string[];
  @Field({ description: 'Request id header value (x-request-id or the configured names), "" when none.' })
  xRequestId: string;
  @Field({ description: 'AutoTracing: kernel per-thread trace id on the request\'s first syscall ("0": none).' })
  syscallTraceIdRequest: string;
  @Field({ description: 'AutoTracing: kernel per-thread trace id on the response\'s first syscall ("0": none).' })
  syscallTraceIdResponse: string;
  @Field(() => Float, { description: "TCP sequence number of the request's first byte (0: unknown)." })
  reqTcpSeq: number;
  @Field(() => Float, { description: "TCP sequence number of the response's first byte (0: unknown)." })
  respTcpSeq: number;
  @Field({ description: 'Seen in plaintext by the TLS library uprobes.' }) isTls: boolean;
}

@ObjectType()
export class RequestLogEdge {
  @Field() cursor: string;
  @Field(() => RequestLog) node: RequestLog;
}

@ObjectType()
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

@ObjectType()
export class RequestLogConnection {
  @Field(() => [RequestLogEdge]) edges: RequestLogEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}
