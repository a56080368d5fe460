import { Inject, UseGuards } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { apiError } from '../../graphql-errors.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { TimeRangeInput } from '../requests/dto/requests.types.js';
import {
  Profile,
  ProfileDiff,
  ProfileFilterInput,
  ProfileSelectionInput,
  ProfileSources,
} from './dto/profiles.types.js';
import { ProfilesService } from './profiles.service.js';

export const MAX_NODES_LIMIT = 20_000;

function checkedMaxNodes(maxNodes: number): number {
  if (!Number.isInteger(maxNodes) || maxNodes < 10 || maxNodes > MAX_NODES_LIMIT)
    throw apiError('BAD_USER_INPUT', `maxNodes must be between 10 and ${MAX_NODES_LIMIT}`, { field: 'maxNodes' });
  return maxNodes;
}

@Resolver()
@UseGuards(SessionGuard)
export class ProfilesResolver {
  constructor(@Inject(ProfilesService) private readonly profiles: ProfilesService) {}

  @Query(() => Profile, {
    description:
      "Flame graph of the caller's tenant's profile samples in a range (summed by stack), narrowed by the caller's policies.",
  })
  @Authorize('read', 'Request')
  profile(
    @CurrentViewer() viewer: Viewer,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('filter', { nullable: true }) filter?: ProfileFilterInput,
    @Args('maxNodes', { type: () => Int, defaultValue: 2000 }) maxNodes = 2000,
  ): Promise<Profile> {
    return this.profiles.profile(viewer, timeRange, filter, checkedMaxNodes(maxNodes));
  }

  @Query(() => ProfileDiff, {
    description: 'Differential flame graph: one tree with the values of both selections, normalised by their totals.',
  })
  @Authorize('read', 'Request')
  profileDiff(
    @CurrentViewer() viewer: Viewer,
    @Args('base') base: ProfileSelectionInput,
    @Args('comparison') comparison: ProfileSelectionInput,
    @Args('maxNodes', { type: () => Int, defaultValue: 2000 }) maxNodes = 2000,
  ): Promise<ProfileDiff> {
    return this.profiles.diff(viewer, base, comparison, checkedMaxNodes(maxNodes));
  }

  @Query(() => ProfileSources, { description: 'Services and processes with profile samples in a range.' })
  @Authorize('read', 'Request')
  profileSources(
    @CurrentViewer() viewer: Viewer,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('filter', { nullable: true }) filter?: ProfileFilterInput,
  ): Promise<ProfileSources> {
    return this.profiles.sources(viewer, timeRange, filter);
  }
}
