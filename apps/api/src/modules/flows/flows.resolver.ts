import { Inject, UseGuards } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { PageInput, TimeRangeInput } from '../requests/dto/requests.types.js';
import { FlowFilterInput, FlowLogConnection } from './dto/flows.types.js';
import { FlowsService } from './flows.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class FlowsResolver {
  constructor(@Inject(FlowsService) private readonly flowLog: FlowsService) {}

  @Query(() => FlowLogConnection, {
    description:
      "L4 flow log of the caller's tenant (one row per connection per interval and at close), newest first, narrowed by the caller's policies on both ends.",
  })
  @Authorize('read', 'Request')
  flows(
    @CurrentViewer() viewer: Viewer,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('filter', { nullable: true }) filter?: FlowFilterInput,
    @Args('page', { nullable: true }) page?: PageInput,
  ): Promise<FlowLogConnection> {
    return this.flowLog.list(viewer, timeRange, filter, page ?? Object.assign(new PageInput(), { first: 100 }));
  }
}
