import type { BathyscopeConfig } from '@bathyscope/config';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { SecretBox } from '../../infra/secret-box.js';
import { CLICKHOUSE, CONFIG, PRISMA, REDIS, SECRET_BOX } from '../../infra/tokens.js';
import { AuthModule } from '../auth/auth.module.js';
import { ConnectorsService } from './connectors.service.js';
import { ConnectorRunner } from './engine/connector-runner.js';
import { DictionaryRefresher } from './engine/dictionary-refresher.js';
import { RESOURCE_INVALIDATION_CHANNEL } from './engine/invalidation.js';
import { ResourceSyncEngine } from './engine/sync-engine.js';
import { InventoryService } from './inventory.service.js';
import { ConnectorsResolver, InventoryResolver } from './resource-sync.resolver.js';
import { SyncScheduler } from './scheduling/sync-scheduler.js';
import { WatchLeases } from './scheduling/watch-lease.js';
import { WatchSupervisor } from './scheduling/watch-supervisor.js';

const logger = new Logger('ResourceSync');
const log = (message: string, err?: unknown) =>
  logger.warn(err ? `${message}: ${err instanceof Error ? err.message : String(err)}` : message);

@Module({
  imports: [AuthModule],
  providers: [
    {
      provide: DictionaryRefresher,
      inject: [CLICKHOUSE, REDIS],
      useFactory: (ch: ClickHouseHandle, redis: Redis) => {
        // This process owns a ClickHouse handle, so it reloads the dictionaries whichever process changed resources.
        const refresher = new DictionaryRefresher(ch, {
          onError: (err) => log('reloading resource dictionaries failed', err),
        });
        refresher.follow(redis.duplicate());
        return refresher;
      },
    },
    {
      provide: ResourceSyncEngine,
      inject: [PRISMA, CLICKHOUSE, REDIS],
      useFactory: (prisma: PrismaClient, ch: ClickHouseHandle, redis: Redis) =>
        new ResourceSyncEngine(prisma, ch, async (tenantId) => {
          // Ingest gateways re-read the tenant's IP map and tag vectors; every DictionaryRefresher reloads the
          // query-time dictionaries.
          await redis.publish(RESOURCE_INVALIDATION_CHANNEL, String(tenantId));
        }),
    },
    {
      provide: ConnectorRunner,
      inject: [PRISMA, SECRET_BOX, ResourceSyncEngine],
      useFactory: (prisma: PrismaClient, secrets: SecretBox, engine: ResourceSyncEngine) =>
        new ConnectorRunner(prisma, secrets, engine),
    },
    {
      provide: WatchSupervisor,
      inject: [ConnectorRunner, REDIS],
      // Several API processes may run: the Redis lease makes exactly one of them watch each connector.
      useFactory: (runner: ConnectorRunner, redis: Redis) =>
        new WatchSupervisor(runner, { log, leases: new WatchLeases(redis) }),
    },
    {
      provide: SyncScheduler,
      inject: [CONFIG, PRISMA, ConnectorRunner, WatchSupervisor],
      useFactory: (config: BathyscopeConfig, prisma: PrismaClient, runner: ConnectorRunner, sup: WatchSupervisor) =>
        new SyncScheduler(config.redisUrl, prisma, runner, sup, log),
    },
    ConnectorsService,
    InventoryService,
    ConnectorsResolver,
    InventoryResolver,
  ],
})
export class ResourceSyncModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(SyncScheduler) private readonly scheduler: SyncScheduler,
    @Inject(DictionaryRefresher) private readonly dictionaries: DictionaryRefresher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.scheduler.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.scheduler.close();
    await this.dictionaries.close();
  }
}
