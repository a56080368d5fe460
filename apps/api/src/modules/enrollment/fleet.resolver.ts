import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, Int, Mutation, Resolver } from '@nestjs/graphql';
import { Agent } from '../agents/agents.types.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { FleetService } from './fleet.service.js';

@Resolver(() => Agent)
@UseGuards(SessionGuard)
export class FleetResolver {
  constructor(@Inject(FleetService) private readonly fleet: FleetService) {}

  @Mutation(() => Agent, {
    description:
      'Revokes an agent: the gateway refuses its data within seconds and issues it no new access token (editor).',
  })
  @Authorize('update', 'Agent')
  revokeAgent(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => Int }) id: number,
    @Context() ctx: GqlContext,
  ): Promise<Agent> {
    return this.fleet.revoke(viewer, id, ctx);
  }
}
