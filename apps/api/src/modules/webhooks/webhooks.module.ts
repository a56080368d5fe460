import type { BathyscopeConfig } from '@bathyscope/config';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { SecretBox } from '../../infra/secret-box.js';
import { CONFIG, PRISMA, SECRET_BOX } from '../../infra/tokens.js';
import { AuthModule } from '../auth/auth.module.js';
import { DEFAULT_RETRY, DeliveryDispatcher } from './delivery-dispatcher.js';
import { type AddressPolicy, addressPolicyFromEnv } from './ssrf-guard.js';
import { WEBHOOK_ADDRESS_POLICY } from './tokens.js';
import { WebhooksResolver } from './webhooks.resolver.js';
import { WebhooksService } from './webhooks.service.js';

const logger = new Logger('Webhooks');
const log = (message: string, err?: unknown) =>
  logger.warn(err ? `${message}: ${err instanceof Error ? err.message : String(err)}` : message);

@Module({
  imports: [AuthModule],
  providers: [
    { provide: WEBHOOK_ADDRESS_POLICY, useFactory: () => addressPolicyFromEnv() },
    {
      provide: DeliveryDispatcher,
      inject: [CONFIG, PRISMA, SECRET_BOX, WEBHOOK_ADDRESS_POLICY],
      useFactory: (config: BathyscopeConfig, prisma: PrismaClient, box: SecretBox, policy: AddressPolicy) => {
        const base = Number(process.env.BATHYSCOPE_WEBHOOK_RETRY_BASE_MS ?? DEFAULT_RETRY.baseMs);
        return new DeliveryDispatcher(config.redisUrl, prisma, box, policy, { ...DEFAULT_RETRY, baseMs: base }, log);
      },
    },
    WebhooksService,
    WebhooksResolver,
  ],
  exports: [WebhooksService],
})
export class WebhooksModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(@Inject(DeliveryDispatcher) private readonly dispatcher: DeliveryDispatcher) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.dispatcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.close();
  }
}
