import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ArrayMaxSize, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export enum AgentState {
  ONLINE = 'ONLINE',
  DEGRADED = 'DEGRADED',
  OFFLINE = 'OFFLINE',
  NEVER_SEEN = 'NEVER_SEEN',
}
registerEnumType(AgentState, { name: 'AgentState' });

@ObjectType()
export class AgentCounter {
  @Field() name: string;
  @Field(() => Float) value: number;
}

@ObjectType()
export class AgentGroup {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() description: string;
  @Field() createdAt: Date;
  @Field(() => Int, { description: 'Agents in the group that the caller may see.' }) agentCount: number;
}

@ObjectType()
export class Agent {
  @Field(() => Int) id: number;
  @Field() name: string;
  @Field() hostname: string;
  @Field() version: string;
  @Field(() => AgentState, { description: 'From the last status report: OFFLINE after 60 s of silence.' })
  state: AgentState;
  @Field(() => Date, { nullable: true }) lastSeenAt: Date | null;
  @Field({ description: 'Whether the kernel offers what eBPF capture needs.' }) ebpfOk: boolean;
  @Field(() => [String], { description: 'What is missing for capture, and how to fix it.' }) problems: string[];
  @Field(() => String, { nullable: true }) kernel: string | null;
  @Field(() => [AgentCounter]) counters: AgentCounter[];
  @Field(() => AgentGroup, { nullable: true }) group: AgentGroup | null;
  @Field(() => [String], { description: 'key=value labels; policies can match them.' }) labels: string[];
}

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=[^\p{Cc}]{0,253}$/u;

@InputType()
export class UpdateAgentInput {
  @Field(() => ID, { nullable: true, description: 'Move to this group; null or omitted leaves the group as is.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  groupId?: string;

  @Field({ nullable: true, description: 'Remove the agent from its group.' })
  @IsOptional()
  ungroup?: boolean;

  @Field(() => [String], { nullable: true, description: 'Replaces the labels (key=value).' })
  @IsOptional()
  @ArrayMaxSize(50)
  @Matches(LABEL, { each: true, message: 'labels look like key=value (key: letters, digits, . _ / -)' })
  labels?: string[];
}

@InputType()
export class AgentGroupInput {
  @Field()
  @MinLength(1)
  @MaxLength(80)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name may contain letters, digits, dots, dashes, underscores' })
  name: string;

  @Field({ nullable: true, defaultValue: '' })
  @IsOptional()
  @MaxLength(500)
  description?: string;
}
