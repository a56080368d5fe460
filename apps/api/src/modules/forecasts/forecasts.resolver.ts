import { Inject, UseGuards } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { ForecastInput, ForecastResult, ForecastRunsOutFirstInput } from './dto/forecast.types.js';
import { ForecastsService } from './forecasts.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class ForecastsResolver {
  constructor(@Inject(ForecastsService) private readonly forecasts: ForecastsService) {}

  @Query(() => ForecastResult, {
    description:
      "Capacity forecast of one hourly series of the caller's tenant (seasonal + trend, prediction intervals), with a backtest and the time to an optional threshold. NOT_FOUND when the target has no data the caller may see.",
  })
  @Authorize('read', 'Request')
  forecast(@CurrentViewer() viewer: Viewer, @Args('input') input: ForecastInput): Promise<ForecastResult> {
    return this.forecasts.forecast(viewer, ForecastsService.spec(input, viewer));
  }

  @Query(() => [ForecastResult], {
    description: 'Hosts whose forecast reaches the threshold soonest (at most 50 hosts are considered).',
  })
  @Authorize('read', 'Request')
  forecastRunsOutFirst(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: ForecastRunsOutFirstInput,
  ): Promise<ForecastResult[]> {
    return this.forecasts.runsOutFirst(viewer, input);
  }
}
