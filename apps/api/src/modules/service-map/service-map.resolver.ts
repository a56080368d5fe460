import { Inject, UseGuards } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { TimeRangeInput } from '../requests/dto/requests.types.js';
import {
  ServiceDetail,
  ServiceEndpointDetail,
  ServiceMap,
  ServiceMapFilterInput,
  ServiceMapGroupBy,
} from './dto/service-map.types.js';
import { ServiceMapService } from './service-map.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class ServiceMapResolver {
  constructor(@Inject(ServiceMapService) private readonly map: ServiceMapService) {}

  @Query(() => ServiceMap, {
    description:
      "Who calls whom in the caller's tenant: nodes grouped by the chosen tag, edges client → server with RED and L4 " +
      'metrics, narrowed by the telemetry policies (an edge is visible only when both ends are).',
  })
  @Authorize('read', 'Request')
  serviceMap(
    @CurrentViewer() viewer: Viewer,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('groupBy', { type: () => ServiceMapGroupBy, defaultValue: ServiceMapGroupBy.SERVICE })
    groupBy: ServiceMapGroupBy,
    @Args('filter', { nullable: true }) filter?: ServiceMapFilterInput,
  ): Promise<ServiceMap> {
    return this.map.serviceMap(viewer, timeRange, groupBy, filter);
  }

  @Query(() => ServiceDetail, { description: 'A service as a server over time, its top endpoints and its peers.' })
  @Authorize('read', 'Request')
  serviceDetail(
    @CurrentViewer() viewer: Viewer,
    @Args('serviceId', { type: () => Int }) serviceId: number,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('step', { type: () => Int, nullable: true, description: 'Bucket in seconds (default: ~120 points).' })
    step?: number,
    @Args('endpoints', { type: () => Int, nullable: true, description: 'How many endpoints (default 10, ≤ 50).' })
    endpoints?: number,
  ): Promise<ServiceDetail> {
    return this.map.serviceDetail(viewer, serviceId, timeRange, step ?? undefined, endpoints ?? undefined);
  }

  @Query(() => ServiceEndpointDetail, { description: 'One endpoint of a service over time and who calls it.' })
  @Authorize('read', 'Request')
  endpointDetail(
    @CurrentViewer() viewer: Viewer,
    @Args('serviceId', { type: () => Int }) serviceId: number,
    @Args('endpoint') endpoint: string,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('step', { type: () => Int, nullable: true }) step?: number,
  ): Promise<ServiceEndpointDetail> {
    return this.map.endpointDetail(viewer, serviceId, endpoint, timeRange, step ?? undefined);
  }
}
