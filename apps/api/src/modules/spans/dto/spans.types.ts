import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageInfo } from '../../requests/dto/requests.types.js';

const STATUS_CODES = ['unset', 'ok', 'error'] as const;

@InputType()
export class SpanFilterInput {
  @Field({ nullable: true, description: 'Exact trace id (32 lower-case hex characters).' })
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/, { message: 'traceId must be 32 lower-case hex characters' })
  traceId?: string;

  @Field({ nullable: true, description: 'Exact `service.name`.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  service?: string;

  @Field({ nullable: true, description: 'Exact `k8s.namespace.name` (or `service.namespace`).' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  namespace?: string;

  @Field({ nullable: true, description: 'Substring of the span name.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  nameContains?: string;

  @Field({ nullable: true, description: 'Status: unset, ok or error.' })
  @IsOptional()
  @IsIn(STATUS_CODES)
  status?: string;

  @Field(() => Float, { nullable: true, description: 'Only spans at least this long, in milliseconds.' })
  @IsOptional()
  @Min(0)
  @Max(86_400_000)
  minDurationMs?: number;
}

@ObjectType()
export class SpanAttribute {
  @Field() key: string;
  @Field() value: string;
}

@ObjectType({ description: 'An application span received over OTLP, next to the eBPF request log.' })
export class Span {
  @Field(() => ID) id: string;
  @Field() traceId: string;
  @Field() spanId: string;
  @Field({ description: 'Empty for a root span.' }) parentSpanId: string;
  @Field() name: string;
  @Field({ description: 'server, client, internal, producer, consumer or unspecified.' }) kind: string;
  @Field() status: string;
  @Field() statusMessage: string;
  @Field() service: string;
  @Field({ description: 'The namespace the resource names (empty when none).' }) namespace: string;
  @Field() time: Date;
  @Field(() => Float, { description: 'Duration in nanoseconds.' }) durationNs: number;
  @Field(() => [SpanAttribute]) attributes: SpanAttribute[];
  @Field(() => [SpanAttribute]) resourceAttributes: SpanAttribute[];
  @Field(() => Int, {
    description: 'Resource id of the pod the span came from (0: unknown), as AutoTagging resolved it.',
  })
  podId: number;
  @Field(() => Int, { description: 'Resource id of the service (0: unknown).' }) serviceId: number;
}

@ObjectType()
export class SpanEdge {
  @Field() cursor: string;
  @Field(() => Span) node: Span;
}

@ObjectType()
export class SpanConnection {
  @Field(() => [SpanEdge]) edges: SpanEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}
