import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ConnectionPageInfo } from '../../pagination.js';
import { GraphQLJSON } from './json.scalar.js';

/** Longest comment on a configuration version. */
export const MAX_CONFIG_COMMENT = 500;

@ObjectType({ description: "One version of an agent group's configuration." })
export class AgentConfigVersion {
  @Field(() => Int, { description: '0 = the built-in defaults (the group was never configured).' })
  version: number;
  @Field(() => GraphQLJSON, { description: 'An AgentConfig document (see agentConfigSchema).' })
  config: unknown;
  @Field() comment: string;
  @Field(() => Date, { nullable: true, description: 'Null for version 0.' }) createdAt: Date | null;
  @Field(() => String, { nullable: true, description: "Author's email; null for version 0 or a deleted user." })
  createdBy: string | null;
  @Field(() => Int, { nullable: true, description: 'Set when rollbackAgentGroupConfig created this version.' })
  rolledBackFrom: number | null;
}

@ObjectType()
export class AgentConfigVersionEdge {
  @Field() cursor: string;
  @Field(() => AgentConfigVersion) node: AgentConfigVersion;
}

@ObjectType()
export class AgentConfigVersionConnection {
  @Field(() => [AgentConfigVersionEdge]) edges: AgentConfigVersionEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
  @Field(() => Int, { description: 'Versions of the group, version 0 included.' }) totalCount: number;
}
