import { Inject, UseGuards } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { PageInput, TimeRangeInput } from '../requests/dto/requests.types.js';
import { SpanConnection, SpanFilterInput } from './dto/spans.types.js';
import { SpansService } from './spans.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class SpansResolver {
  constructor(@Inject(SpansService) private readonly spanLog: SpansService) {}

  @Query(() => SpanConnection, {
    description:
      "OTLP spans of the caller's tenant, newest first, narrowed by the caller's policies (the same telemetry policies as the request log).",
  })
  @Authorize('read', 'Request')
  spans(
    @CurrentViewer() viewer: Viewer,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('filter', { nullable: true }) filter?: SpanFilterInput,
    @Args('page', { nullable: true }) page?: PageInput,
  ): Promise<SpanConnection> {
    return this.spanLog.list(viewer, timeRange, filter, page ?? Object.assign(new PageInput(), { first: 100 }));
  }
}
