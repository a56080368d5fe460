import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';
import { GraphQLJSON } from '../../agent-config/json.scalar.js';
import { CONNECTOR_KINDS } from '../sources/index.js';

const NAME = /^[\p{L}\p{N} ._-]+$/u;

@InputType()
export class CreateConnectorInput {
  @Field({ description: 'k8s, aws, netbox or file.' })
  @IsIn(CONNECTOR_KINDS)
  kind: string;

  @Field()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NAME, { message: 'name may contain letters, digits, spaces, dots, dashes and underscores' })
  name: string;

  @Field(() => GraphQLJSON, { description: 'Endpoint and options (no secrets), per kind.' })
  @IsObject()
  config: Record<string, unknown>;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'Write-only: an object of strings (token, keys …), encrypted at rest and never returned.',
  })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, unknown>;

  @Field({ defaultValue: true })
  @IsBoolean()
  enabled: boolean;

  @Field(() => Int, { defaultValue: 300, description: 'Seconds between full listings (30 – 86400).' })
  @IsInt()
  @Min(30)
  @Max(86_400)
  intervalSeconds: number;
}

@InputType()
export class UpdateConnectorInput {
  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NAME, { message: 'name may contain letters, digits, spaces, dots, dashes and underscores' })
  name?: string;

  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Write-only; replaces the stored credentials.' })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, unknown>;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(30)
  @Max(86_400)
  intervalSeconds?: number;
}

@ObjectType()
export class Connector {
  @Field(() => ID) id: string;
  @Field() kind: string;
  @Field() name: string;
  @Field(() => GraphQLJSON) config: unknown;
  @Field({ description: 'Whether credentials are stored (they are never returned).' }) hasCredentials: boolean;
  @Field() enabled: boolean;
  @Field(() => Int) intervalSeconds: number;
  @Field(() => Date, { nullable: true }) lastRunAt: Date | null;
  @Field(() => Date, { nullable: true }) lastSuccessAt: Date | null;
  @Field(() => String, { nullable: true, description: 'The last failure, kept after a later success.' })
  lastError: string | null;
  @Field(() => Date, { nullable: true }) lastErrorAt: Date | null;
  @Field({ description: 'Synced at least once, and not failed since the last success.' }) healthy: boolean;
  @Field(() => GraphQLJSON, { description: 'seen, created, updated, deleted, ipsOpened, ipsClosed.' })
  lastCounts: unknown;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType()
export class ConnectorEdge {
  @Field() cursor: string;
  @Field(() => Connector) node: Connector;
}

@ObjectType()
export class ConnectorConnection {
  @Field(() => [ConnectorEdge]) edges: ConnectorEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}

@ObjectType()
export class ConnectionTestResult {
  @Field() ok: boolean;
  @Field(() => String, { nullable: true }) error: string | null;
}
