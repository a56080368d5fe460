import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';

@ObjectType()
export class TenantSettings {
  @Field() slug: string;
  @Field() name: string;
  @Field({ description: 'free, team or enterprise.' }) plan: string;
  @Field(() => Int, { description: 'Days telemetry ingested from now on is kept.' }) retentionDays: number;
  @Field(() => Int, { description: 'The most the plan allows.' }) maxRetentionDays: number;
}

@InputType()
export class TenantSettingsInput {
  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @Field(() => Int, { nullable: true, description: 'Between 1 and the plan maximum.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  retentionDays?: number;
}
