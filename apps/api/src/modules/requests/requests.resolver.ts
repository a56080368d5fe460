import { Inject, UseGuards } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { PageInput, RequestFilterInput, RequestLogConnection, TimeRangeInput } from './dto/requests.types.js';
import { RequestsService } from './requests.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class RequestsResolver {
  constructor(@Inject(RequestsService) private readonly requestLog: RequestsService) {}

  @Query(() => RequestLogConnection, {
    description: "L7 request log of the caller's tenant, newest first, narrowed by the caller's policies.",
  })
  @Authorize('read', 'Request')
  requests(
    @CurrentViewer() viewer: Viewer,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('filter', { nullable: true }) filter?: RequestFilterInput,
    @Args('page', { nullable: true }) page?: PageInput,
  ): Promise<RequestLogConnection> {
    return this.requestLog.list(viewer, timeRange, filter, page ?? Object.assign(new PageInput(), { first: 100 }));
  }
}
