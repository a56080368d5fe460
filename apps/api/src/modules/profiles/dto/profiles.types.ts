import { Field, Float, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { TimeRangeInput } from '../../requests/dto/requests.types.js';

/** The values of profile_samples.event_type (a string, so a bad value is BAD_USER_INPUT like other filters). */
export const PROFILE_EVENT_TYPES = ['cpu', 'off_cpu', 'mem_alloc'] as const;

@InputType()
export class ProfileFilterInput {
  @Field({ nullable: true, description: 'Exact service name.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  service?: string;

  @Field({ nullable: true, description: 'Exact process name (comm).' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  process?: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4_194_304)
  pid?: number;

  @Field({ nullable: true, description: 'Exact pod name.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  pod?: string;

  @Field({ nullable: true, description: 'Exact host name.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  host?: string;

  @Field({ nullable: true, description: 'Exact namespace name.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  namespace?: string;

  @Field({ defaultValue: 'cpu', description: `One of ${PROFILE_EVENT_TYPES.join(', ')}.` })
  @IsOptional()
  @IsIn(PROFILE_EVENT_TYPES)
  eventType: string = 'cpu';
}

@InputType()
export class ProfileSelectionInput {
  @Field(() => TimeRangeInput)
  @ValidateNested()
  @Type(() => TimeRangeInput)
  timeRange: TimeRangeInput;

  @Field(() => ProfileFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ProfileFilterInput)
  filter?: ProfileFilterInput;
}

@ObjectType({ description: 'One frame of the flame graph; nodes come parents first (pre-order).' })
export class ProfileNode {
  @Field(() => Int) id: number;
  @Field(() => Int, { description: '-1 for the root.' }) parentId: number;
  @Field() name: string;
  @Field(() => Int) depth: number;
  @Field(() => Float, { description: 'Inclusive value (samples for cpu).' }) value: number;
  @Field(() => Float, { description: 'Value with this frame at the leaf.' }) selfValue: number;
  @Field({ description: 'Stands for several subtrees too small (or past the node limit) to show one by one.' })
  other: boolean;
}

@ObjectType()
export class ProfileFunction {
  @Field() name: string;
  @Field(() => Float, { description: 'Value with this function at the leaf.' }) selfValue: number;
  @Field(() => Float, { description: 'Value with this function anywhere on the stack.' }) totalValue: number;
}

@ObjectType()
export class Profile {
  @Field(() => Float, { description: 'Sum of all samples in the selection (the root node value).' }) total: number;
  @Field(() => Int, { description: 'Distinct stacks in the selection.' }) stacks: number;
  @Field({ description: 'Some nodes were merged into "other" nodes.' }) truncated: boolean;
  @Field(() => [ProfileNode]) nodes: ProfileNode[];
  @Field(() => [ProfileFunction], { description: 'Functions with the largest self value.' })
  topFunctions: ProfileFunction[];
}

@ObjectType({
  description: 'A node of a differential flame graph: both sides, the base scaled to the comparison total.',
})
export class ProfileDiffNode {
  @Field(() => Int) id: number;
  @Field(() => Int) parentId: number;
  @Field() name: string;
  @Field(() => Int) depth: number;
  @Field(() => Float, { description: 'Inclusive value in the comparison selection.' }) value: number;
  @Field(() => Float, { description: 'Inclusive value in the base selection (raw).' }) baseValue: number;
  @Field(() => Float) selfValue: number;
  @Field(() => Float) baseSelfValue: number;
  @Field(() => Float, {
    description:
      'Self value in the comparison minus the base self value scaled by comparison total / base total: > 0 grew.',
  })
  delta: number;
  @Field() other: boolean;
}

@ObjectType()
export class ProfileDiffFunction {
  @Field() name: string;
  @Field(() => Float) selfValue: number;
  @Field(() => Float) baseSelfValue: number;
}

@ObjectType()
export class ProfileDiff {
  @Field(() => Float) total: number;
  @Field(() => Float) baseTotal: number;
  @Field() truncated: boolean;
  @Field(() => [ProfileDiffNode]) nodes: ProfileDiffNode[];
  @Field(() => [ProfileDiffFunction]) topFunctions: ProfileDiffFunction[];
}

@ObjectType({ description: 'What has profiles in a range, for pickers.' })
export class ProfileSources {
  @Field(() => [String]) services: string[];
  @Field(() => [String]) processes: string[];
}
