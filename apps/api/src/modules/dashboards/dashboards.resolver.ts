import { Inject, UseGuards } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { apiError } from '../../graphql-errors.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { TimeRangeInput } from '../requests/dto/requests.types.js';
import {
  DashboardFilterInput,
  DashboardProtocol,
  NetworkGroupBy,
  NetworkOverview,
  ProtocolOverview,
} from './dto/dashboards.types.js';
import { MAX_NETWORK_ENTITIES, NetworkService } from './network.service.js';
import { ProtocolsService } from './protocols.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class DashboardsResolver {
  constructor(
    @Inject(ProtocolsService) private readonly protocols: ProtocolsService,
    @Inject(NetworkService) private readonly network: NetworkService,
  ) {}

  @Query(() => ProtocolOverview, {
    description:
      "A protocol view of the caller's tenant: rate, errors and latency over time and top tables, narrowed by the caller's policies.",
  })
  @Authorize('read', 'Request')
  protocolOverview(
    @CurrentViewer() viewer: Viewer,
    @Args('protocol', { type: () => DashboardProtocol }) protocol: DashboardProtocol,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('filter', { nullable: true }) filter?: DashboardFilterInput,
    @Args('stepSeconds', {
      type: () => Int,
      nullable: true,
      description: 'Series step; chosen from the range when omitted.',
    })
    stepSeconds?: number,
  ): Promise<ProtocolOverview> {
    return this.protocols.overview(viewer, protocol, timeRange, filter, stepSeconds ?? undefined);
  }

  @Query(() => NetworkOverview, {
    description:
      "Network view of the caller's tenant per pod or host: throughput, retransmissions, zero windows, resets, setup latency and RTT.",
  })
  @Authorize('read', 'Request')
  networkOverview(
    @CurrentViewer() viewer: Viewer,
    @Args('timeRange') timeRange: TimeRangeInput,
    @Args('groupBy', { type: () => NetworkGroupBy }) groupBy: NetworkGroupBy,
    @Args('filter', { nullable: true }) filter?: DashboardFilterInput,
    @Args('stepSeconds', {
      type: () => Int,
      nullable: true,
      description: 'Series step; chosen from the range when omitted.',
    })
    stepSeconds?: number,
    @Args('limit', {
      type: () => Int,
      defaultValue: 10,
      description: `Worst pods/hosts returned (1–${MAX_NETWORK_ENTITIES}).`,
    })
    limit = 10,
  ): Promise<NetworkOverview> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NETWORK_ENTITIES)
      throw apiError('BAD_USER_INPUT', `limit must be from 1 to ${MAX_NETWORK_ENTITIES}`, { field: 'limit' });
    return this.network.overview(viewer, timeRange, groupBy, filter, stepSeconds ?? undefined, limit);
  }
}
