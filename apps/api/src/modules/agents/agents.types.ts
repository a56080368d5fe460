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
  @Field(() => Int, { description: 'Current configuration version; 0 when never configured (built-in defaults).' })
  configVersion: number;
}

@ObjectType({ description: 'What the agent reported about its host when it enrolled.' })
export class AgentHostFacts {
  @Field() hostname: string;
  @Field() machineId: string;
  @Field() kernel: string;
  @Field(() => [String]) ips: string[];
  @Field() btf: boolean;
  @Field(() => [String], { description: 'Linux capabilities the agent holds (cap_bpf, cap_perfmon, …).' })
  capabilities: string[];
  @Field(() => Int, { nullable: true }) cgroupVersion: number | null;
  @Field() agentVersion: string;
}

@ObjectType()
export class Agent {
  @Field(() => Int) id: number;
  @Field() name: string;
  @Field() hostname: string;
  @Field() version: string;
  @Field(() => AgentState, {
    description:
      'From the last check-in: OFFLINE after 3 check-in intervals of silence (at least 60 s); DEGRADED when the agent ' +
      'reports degraded or paused, eBPF problems or a configuration error. Revoked agents are OFFLINE.',
  })
  state: AgentState;
  @Field(() => Date, { nullable: true }) lastSeenAt: Date | null;
  @Field({ description: 'Whether the kernel offers what eBPF capture needs.' }) ebpfOk: boolean;
  @Field(() => [String], { description: 'What is missing for capture, and how to fix it.' }) problems: string[];
  @Field(() => String, { nullable: true }) kernel: string | null;
  @Field(() => [AgentCounter]) counters: AgentCounter[];
  @Field(() => AgentGroup, { nullable: true }) group: AgentGroup | null;
  @Field(() => [String], { description: 'key=value labels; policies can match them.' }) labels: string[];
  @Field(() => Int, { description: 'Configuration version the agent reports running (0 = built-in defaults).' })
  configVersion: number;
  @Field(() => Int, { description: "Its group's current configuration version (0 = built-in defaults)." })
  desiredConfigVersion: number;
  @Field(() => String, {
    nullable: true,
    description: 'Why the agent could not apply its configuration, if it could not.',
  })
  configError: string | null;
  @Field(() => [String], { description: 'eBPF programs attached at the last check-in.' }) programs: string[];
  @Field(() => Float, {
    nullable: true,
    description: "The agent's own CPU, percent of one core, at the last check-in.",
  })
  cpuPercent: number | null;
  @Field(() => Float, { nullable: true, description: "The agent's own resident memory at the last check-in." })
  rssBytes: number | null;
  @Field(() => AgentHostFacts, { nullable: true, description: 'Null for agents that never enrolled (legacy).' })
  hostFacts: AgentHostFacts | null;
  @Field(() => Date, { nullable: true }) enrolledAt: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
}

@ObjectType({ description: 'An ingest gateway process; agents are spread over the healthy ones (rendezvous hashing).' })
export class IngestGateway {
  @Field(() => ID) id: string;
  @Field() url: string;
  @Field({ description: 'Heartbeat within the last 30 s.' }) healthy: boolean;
  @Field() lastHeartbeatAt: Date;
  @Field(() => Int, { description: 'Agents of this tenant (that the caller may see) assigned to the gateway.' })
  agentCount: number;
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
