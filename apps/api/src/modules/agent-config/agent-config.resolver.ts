import { agentConfigSchema } from '@bathyscope/wire';
import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ConnectionArgs } from '../../pagination.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { AgentConfigService } from './agent-config.service.js';
import { AgentConfigVersion, AgentConfigVersionConnection } from './agent-config.types.js';
import { GraphQLJSON } from './json.scalar.js';

@Resolver(() => AgentConfigVersion)
@UseGuards(SessionGuard)
export class AgentConfigResolver {
  constructor(@Inject(AgentConfigService) private readonly configs: AgentConfigService) {}

  @Query(() => AgentConfigVersion, {
    description: "An agent group's current configuration (version 0, the built-in defaults, if never configured).",
  })
  @Authorize('read', 'AgentGroup')
  agentGroupConfig(
    @CurrentViewer() viewer: Viewer,
    @Args('groupId', { type: () => ID }) groupId: string,
  ): Promise<AgentConfigVersion> {
    return this.configs.current(viewer, groupId);
  }

  @Query(() => AgentConfigVersionConnection, {
    description: "An agent group's configuration versions, newest first, ending with version 0 (the defaults).",
  })
  @Authorize('read', 'AgentGroup')
  agentGroupConfigHistory(
    @CurrentViewer() viewer: Viewer,
    @Args('groupId', { type: () => ID }) groupId: string,
    @Args('page', { nullable: true }) page?: ConnectionArgs,
  ): Promise<AgentConfigVersionConnection> {
    return this.configs.history(viewer, groupId, page?.first ?? 50, page?.after);
  }

  @Query(() => GraphQLJSON, { description: 'The JSON schema (draft-07) of agent configuration, for editors.' })
  @Authorize('read', 'AgentGroup')
  agentConfigSchema(): unknown {
    return agentConfigSchema;
  }

  @Mutation(() => AgentConfigVersion, {
    description:
      "Sets an agent group's configuration as a new version; agents pick it up at their next check-in (editor). " +
      'An invalid document is refused with BAD_USER_INPUT and `extensions.errors` (JSON-pointer messages).',
  })
  @Authorize('update', 'AgentGroup')
  updateAgentGroupConfig(
    @CurrentViewer() viewer: Viewer,
    @Args('groupId', { type: () => ID }) groupId: string,
    @Args('config', { type: () => GraphQLJSON }) config: unknown,
    @Args('comment', { type: () => String, nullable: true }) comment: string | undefined,
    @Context() ctx: GqlContext,
  ): Promise<AgentConfigVersion> {
    return this.configs.update(viewer, groupId, config, comment ?? undefined, ctx);
  }

  @Mutation(() => AgentConfigVersion, {
    description: 'Makes an earlier configuration version current again, as a new version (editor).',
  })
  @Authorize('update', 'AgentGroup')
  rollbackAgentGroupConfig(
    @CurrentViewer() viewer: Viewer,
    @Args('groupId', { type: () => ID }) groupId: string,
    @Args('version', { type: () => Int }) version: number,
    @Context() ctx: GqlContext,
  ): Promise<AgentConfigVersion> {
    return this.configs.rollback(viewer, groupId, version, ctx);
  }
}
