import type { BathyscopeConfig } from '@bathyscope/config';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Mailer } from './mailer.js';
import { SecretBox } from './secret-box.js';
import { CLICKHOUSE, CONFIG, MAILER, PRISMA, REDIS, SECRET_BOX } from './tokens.js';

/** Makes the clients opened by main.ts injectable; the module never opens connections itself. */
@Global()
@Module({})
export class InfraModule {
  static register(deps: {
    config: BathyscopeConfig;
    ch: ClickHouseHandle;
    prisma: PrismaClient;
    redis: Redis;
  }): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: CLICKHOUSE, useValue: deps.ch },
        { provide: PRISMA, useValue: deps.prisma },
        { provide: REDIS, useValue: deps.redis },
        { provide: MAILER, useValue: new Mailer(deps.config) },
        { provide: SECRET_BOX, useValue: new SecretBox(deps.config.stateDir) },
      ],
      exports: [CONFIG, CLICKHOUSE, PRISMA, REDIS, MAILER, SECRET_BOX],
    };
  }
}
