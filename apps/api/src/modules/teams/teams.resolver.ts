import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ConnectionArgs } from '../../pagination.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { Team, TeamConnection, TeamInput } from './dto/teams.types.js';
import { TeamsService } from './teams.service.js';

@Resolver(() => Team)
@UseGuards(SessionGuard)
export class TeamsResolver {
  constructor(@Inject(TeamsService) private readonly teamService: TeamsService) {}

  @Query(() => TeamConnection, { description: "The tenant's teams with their members, newest first." })
  @Authorize('read', 'Team')
  teams(
    @CurrentViewer() viewer: Viewer,
    @Args('page', { nullable: true }) page?: ConnectionArgs,
  ): Promise<TeamConnection> {
    return this.teamService.list(viewer, page?.first ?? 50, page?.after);
  }

  @Mutation(() => Team, { description: 'Creates a team (admin).' })
  @Authorize('create', 'Team')
  createTeam(@CurrentViewer() viewer: Viewer, @Args('input') input: TeamInput, @Context() ctx: GqlContext) {
    return this.teamService.create(viewer, input, ctx);
  }

  @Mutation(() => Team, { description: 'Renames or describes a team (admin).' })
  @Authorize('update', 'Team')
  updateTeam(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: TeamInput,
    @Context() ctx: GqlContext,
  ) {
    return this.teamService.update(viewer, id, input, ctx);
  }

  @Mutation(() => Boolean, { description: 'Deletes a team no policy refers to (admin).' })
  @Authorize('delete', 'Team')
  deleteTeam(@CurrentViewer() viewer: Viewer, @Args('id', { type: () => ID }) id: string, @Context() ctx: GqlContext) {
    return this.teamService.delete(viewer, id, ctx);
  }

  @Mutation(() => Team, { description: 'Adds a member of the tenant to a team (admin).' })
  @Authorize('update', 'Team')
  addTeamMember(
    @CurrentViewer() viewer: Viewer,
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('userId', { type: () => ID }) userId: string,
    @Context() ctx: GqlContext,
  ) {
    return this.teamService.addMember(viewer, teamId, userId, ctx);
  }

  @Mutation(() => Team, { description: 'Removes a member from a team (admin).' })
  @Authorize('update', 'Team')
  removeTeamMember(
    @CurrentViewer() viewer: Viewer,
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('userId', { type: () => ID }) userId: string,
    @Context() ctx: GqlContext,
  ) {
    return this.teamService.removeMember(viewer, teamId, userId, ctx);
  }
}
