import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ArrayMaxSize, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';
import { GraphQLJSON } from '../../agent-config/json.scalar.js';

@InputType()
export class InventoryFilter {
  @Field({ nullable: true, description: 'Substring of the name or external id (case-insensitive).' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  kinds?: string[];

  @Field({ nullable: true, description: '`key=value` (exact) or `key` (present).' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  label?: string;

  @Field({ nullable: true, description: '`agent` or `connector:<id>`.' })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  source?: string;

  @Field(() => Int, { nullable: true, description: 'The children of this resource.' })
  @IsOptional()
  @IsInt()
  parentId?: number;

  @Field({ nullable: true, description: 'Include tombstoned resources (default false).' })
  @IsOptional()
  @IsBoolean()
  includeDeleted?: boolean;
}

@InputType()
export class InventoryPage {
  @Field(() => Int, { defaultValue: 50 })
  @IsInt()
  @Min(1)
  @Max(200)
  first = 50;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(/^\d{1,10}$/)
  after?: string;
}

@ObjectType()
export class ResourceIpInterval {
  @Field() ip: string;
  @Field() validFrom: Date;
  @Field(() => Date, { nullable: true, description: 'Null while the resource still holds it.' })
  validTo: Date | null;
}

@ObjectType()
export class InventoryResource {
  @Field(() => Int, { description: 'The id telemetry tag columns hold.' }) id: number;
  @Field() kind: string;
  @Field() externalId: string;
  @Field() name: string;
  @Field(() => GraphQLJSON) labels: unknown;
  @Field(() => GraphQLJSON) attributes: unknown;
  @Field() source: string;
  @Field(() => Int, { nullable: true }) parentId: number | null;
  @Field() firstSeenAt: Date;
  @Field() lastSeenAt: Date;
  @Field(() => Date, { nullable: true }) deletedAt: Date | null;
  @Field() updatedAt: Date;
}

@ObjectType()
export class InventoryResourceEdge {
  @Field() cursor: string;
  @Field(() => InventoryResource) node: InventoryResource;
}

@ObjectType()
export class InventoryResourceConnection {
  @Field(() => [InventoryResourceEdge]) edges: InventoryResourceEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}
