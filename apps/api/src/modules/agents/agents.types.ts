import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

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
}
