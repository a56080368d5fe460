import type { BathyscopeConfig } from '@bathyscope/config';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CLICKHOUSE, CONFIG, PRISMA, REDIS } from '../../infra/tokens.js';
import { AuthModule } from '../auth/auth.module.js';
import { ForecastsModule } from '../forecasts/forecasts.module.js';
import { ForecastsService } from '../forecasts/forecasts.service.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { type AlertConditionSource, AlertEvaluator, MetricConditionSource } from './alert-evaluator.js';
import { AlertScheduler } from './alert-scheduler.js';
import { AlertsResolver } from './alerts.resolver.js';
import { AlertsService } from './alerts.service.js';
import { ForecastConditionSource } from './forecast-rules.js';

const logger = new Logger('Alerts');
const log = (message: string, err?: unknown) =>
  logger.warn(err ? `${message}: ${err instanceof Error ? err.message : String(err)}` : message);

/** Rule kind → where its values come from. */
export const ALERT_CONDITION_SOURCES = Symbol('ALERT_CONDITION_SOURCES');

@Module({
  imports: [AuthModule, WebhooksModule, ForecastsModule],
  providers: [
    {
      provide: ALERT_CONDITION_SOURCES,
      inject: [CLICKHOUSE, ForecastsService],
      useFactory: (ch: ClickHouseHandle, forecasts: ForecastsService) =>
        new Map<string, AlertConditionSource>([
          ['threshold', new MetricConditionSource(ch)],
          ['forecast', new ForecastConditionSource(forecasts)],
        ]),
    },
    {
      provide: AlertEvaluator,
      inject: [PRISMA, REDIS, ALERT_CONDITION_SOURCES, WebhooksService, CONFIG],
      useFactory: (
        prisma: PrismaClient,
        redis: Redis,
        sources: Map<string, AlertConditionSource>,
        webhooks: WebhooksService,
        config: BathyscopeConfig,
      ) =>
        new AlertEvaluator(
          prisma,
          redis,
          sources,
          (tenantId, destinationId, key, payload) => webhooks.enqueue(tenantId, destinationId, key, 'alert', payload),
          config.webUrl,
        ),
    },
    {
      provide: AlertScheduler,
      inject: [CONFIG, PRISMA, AlertEvaluator],
      useFactory: (config: BathyscopeConfig, prisma: PrismaClient, evaluator: AlertEvaluator) =>
        new AlertScheduler(config.redisUrl, prisma, evaluator, log),
    },
    AlertsService,
    AlertsResolver,
  ],
})
export class AlertsModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(@Inject(AlertScheduler) private readonly scheduler: AlertScheduler) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.scheduler.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.scheduler.close();
  }
}
