import { Inject, UseGuards } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { Trace, TraceStartInput } from './dto/traces.types.js';
import { TracesService } from './traces.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class TracesResolver {
  constructor(@Inject(TracesService) private readonly traces: TracesService) {}

  @Query(() => Trace, {
    description:
      'Assembles the trace around a request-log row, an OTel span, a trace id or an x-request-id from system (eBPF) ' +
      "and application spans of the caller's tenant, narrowed by the caller's policies. NOT_FOUND when no visible " +
      'span matches the start.',
  })
  @Authorize('read', 'Request')
  trace(@CurrentViewer() viewer: Viewer, @Args('from') from: TraceStartInput): Promise<Trace> {
    return this.traces.trace(viewer, from);
  }
}
