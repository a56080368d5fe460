import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { AgentsService } from './agents.service.js';
import { Agent, AgentGroup, AgentGroupInput, IngestGateway, UpdateAgentInput } from './agents.types.js';
import { IngestGatewaysService } from './ingest-gateways.service.js';

@Resolver(() => Agent)
@UseGuards(SessionGuard)
export class AgentsResolver {
  constructor(
    @Inject(AgentsService) private readonly agentsService: AgentsService,
    @Inject(IngestGatewaysService) private readonly gateways: IngestGatewaysService,
  ) {}

  @Query(() => [Agent], { description: "The tenant's agents the caller may see, with their last reported health." })
  @Authorize('read', 'Agent')
  agents(@CurrentViewer() viewer: Viewer): Promise<Agent[]> {
    return this.agentsService.list(viewer);
  }

  @Query(() => Agent, { description: 'One agent (revoked ones too); NOT_FOUND when the caller may not see it.' })
  @Authorize('read', 'Agent')
  agent(@CurrentViewer() viewer: Viewer, @Args('id', { type: () => Int }) id: number): Promise<Agent> {
    return this.agentsService.get(viewer, id);
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'The ingest gateway the agent is assigned to (null when revoked or no gateway is healthy).',
  })
  ingestUrl(@Parent() agent: Agent): Promise<string | null> | null {
    return agent.revokedAt ? null : this.gateways.ingestUrlOf(agent.id);
  }

  @Query(() => [IngestGateway], { description: 'Ingest gateways with their health and agent counts (admin).' })
  @Authorize('read', 'IngestGateway')
  ingestGateways(@CurrentViewer() viewer: Viewer): Promise<IngestGateway[]> {
    return this.gateways.list(viewer);
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes an agent: its credential stops working within seconds; its telemetry stays (admin, or as policies allow).',
  })
  @Authorize('delete', 'Agent')
  deleteAgent(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => Int }) id: number,
    @Context() ctx: GqlContext,
  ): Promise<boolean> {
    return this.agentsService.delete(viewer, id, ctx);
  }

  @Query(() => [AgentGroup], { description: "The tenant's agent groups the caller may see." })
  @Authorize('read', 'AgentGroup')
  agentGroups(@CurrentViewer() viewer: Viewer): Promise<AgentGroup[]> {
    return this.agentsService.groups(viewer);
  }

  @Mutation(() => Agent, { description: 'Moves an agent between groups and sets its labels (editor).' })
  @Authorize('update', 'Agent')
  updateAgent(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => Int }) id: number,
    @Args('input') input: UpdateAgentInput,
    @Context() ctx: GqlContext,
  ): Promise<Agent> {
    return this.agentsService.update(viewer, id, input, ctx);
  }

  @Mutation(() => AgentGroup, { description: 'Creates an agent group (editor).' })
  @Authorize('create', 'AgentGroup')
  createAgentGroup(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: AgentGroupInput,
    @Context() ctx: GqlContext,
  ): Promise<AgentGroup> {
    return this.agentsService.createGroup(viewer, input, ctx);
  }

  @Mutation(() => Boolean, { description: 'Deletes an agent group; its agents become ungrouped (editor).' })
  @Authorize('delete', 'AgentGroup')
  deleteAgentGroup(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<boolean> {
    return this.agentsService.deleteGroup(viewer, id, ctx);
  }
}
