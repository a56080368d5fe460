import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export enum TraceSpanType {
  APPLICATION = 'APPLICATION',
  SYSTEM = 'SYSTEM',
  NETWORK = 'NETWORK',
}
registerEnumType(TraceSpanType, {
  name: 'TraceSpanType',
  description:
    'APPLICATION: an OTel span; SYSTEM: a request seen by the eBPF agent; NETWORK: seen on the wire (not captured yet).',
});

@InputType({
  description:
    'Where a trace search starts: exactly one of requestLogId, traceId (optionally with spanId) or xRequestId.',
})
export class TraceStartInput {
  @Field({ nullable: true, description: 'A request-log row id (`RequestLog.id`).' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'requestLogId must be a request-log row id' })
  requestLogId?: string;

  @Field({ nullable: true, description: 'A trace id: 32 lower-case hex characters.' })
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/, { message: 'traceId must be 32 lower-case hex characters' })
  traceId?: string;

  @Field({ nullable: true, description: 'With traceId: start from this OTel span (16 lower-case hex characters).' })
  @IsOptional()
  @Matches(/^[0-9a-f]{16}$/, { message: 'spanId must be 16 lower-case hex characters' })
  spanId?: string;

  @Field({ nullable: true, description: 'An x-request-id header value.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  xRequestId?: string;

  @Field({
    nullable: true,
    description: 'For traceId / xRequestId: when the request happened (default now); searched ± seedWindowMinutes.',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  around?: Date;

  @Field(() => Int, { nullable: true, description: 'For traceId / xRequestId: minutes around `around` (1–1440).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1440)
  seedWindowMinutes?: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Time tolerance around the seed in ms, for clock offset and network delay (default 10000).',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  toleranceMs?: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Rounds of search after the seed (default 30, at most 50): each round follows one link per span.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  maxIterations?: number;

  @Field(() => Int, { nullable: true, description: 'Spans at most (default 1000, at most 5000).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5000)
  maxSpans?: number;
}

@ObjectType()
export class TraceAttribute {
  @Field() key: string;
  @Field() value: string;
}

@ObjectType({ description: 'One span of an assembled trace, with its place in the tree.' })
export class TraceSpan {
  @Field(() => ID) id: string;
  @Field(() => TraceSpanType) type: TraceSpanType;
  @Field(() => ID, { nullable: true }) parentId: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Why the span hangs under its parent: otel_parent, tcp_seq, syscall, traceparent or x_request_id.',
  })
  link: string | null;
  @Field(() => Int) depth: number;
  @Field(() => Float, { description: 'Start, µs since the epoch.' }) startUs: number;
  @Field(() => Float) endUs: number;
  @Field(() => Float) durationUs: number;
  @Field(() => Float, { description: 'Duration minus the time covered by its children.' }) selfTimeUs: number;
  @Field({ description: 'What was called, e.g. `GET /b/1` or `GET key`.' }) call: string;
  @Field() service: string;
  @Field({ description: 'Process, pod and host the span was observed in.' }) instance: string;
  @Field({
    description: 'client or server (system spans); network (network spans); the OTel kind (application spans).',
  })
  side: string;
  @Field() protocol: string;
  @Field() status: string;
  @Field(() => Int) statusCode: number;
  @Field() processName: string;
  @Field(() => Int) pid: number;
  @Field(() => Int) agentId: number;
  @Field() clientIp: string;
  @Field(() => Int) clientPort: number;
  @Field() serverIp: string;
  @Field(() => Int) serverPort: number;
  @Field() namespace: string;
  @Field() traceId: string;
  @Field() spanId: string;
  @Field() parentSpanId: string;
  @Field() xRequestId: string;
  @Field() syscallTraceIdRequest: string;
  @Field() syscallTraceIdResponse: string;
  @Field(() => Float) reqTcpSeq: number;
  @Field(() => Float) respTcpSeq: number;
  @Field(() => ID, { nullable: true, description: 'System spans: the request-log row.' }) requestLogId: string | null;
  @Field(() => [TraceAttribute]) attributes: TraceAttribute[];
}

@ObjectType({ description: "A service's part of the trace's latency." })
export class TraceServiceLatency {
  @Field() service: string;
  @Field(() => Float) selfTimeUs: number;
  @Field(() => Float, { description: 'Self time over the trace duration, 0..1.' }) share: number;
  @Field(() => Int) spanCount: number;
}

@ObjectType({ description: 'A trace assembled from application and system spans (AutoTracing).' })
export class Trace {
  @Field(() => [TraceSpan], { description: 'Depth first; children by start time.' }) spans: TraceSpan[];
  @Field(() => [TraceServiceLatency]) services: TraceServiceLatency[];
  @Field(() => Float) startUs: number;
  @Field(() => Float) durationUs: number;
  @Field(() => Int, { description: 'Search rounds run after the seed lookup.' }) iterations: number;
  @Field(() => String, {
    nullable: true,
    description: 'Set when the search stopped early: max_spans or max_iterations.',
  })
  truncated: string | null;
}
