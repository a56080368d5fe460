import * as path from 'node:path';
import 'reflect-metadata';
import { loadConfig } from '@bathyscope/config';
import { migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import { createPrismaClient } from '@bathyscope/db';
import { createIngestServer } from '@bathyscope/ingest';
import fastifyCookie from '@fastify/cookie';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { apiError } from './graphql-errors.js';
import { registerSsoRoutes } from './modules/sso/sso.routes.js';
import { SsoService } from './modules/sso/sso.service.js';

interface ConstraintNode {
  property: string;
  constraints?: Record<string, string>;
  children?: ConstraintNode[];
}
function flattenConstraints(e: ConstraintNode, prefix = ''): string[] {
  const here = Object.values(e.constraints ?? {}).map((m) => (prefix ? `${prefix}.${m}` : m));
  const nested = (e.children ?? []).flatMap((c) =>
    flattenConstraints(c, prefix ? `${prefix}.${e.property}` : e.property),
  );
  return [...here, ...nested];
}

type Role = 'api' | 'ingest';

function parseRoles(raw: string | undefined): Set<Role> {
  const roles = new Set<Role>();
  for (const r of (raw ?? 'api,ingest').split(',').map((s) => s.trim())) {
    if (r !== 'api' && r !== 'ingest') throw new Error(`BATHYSCOPE_ROLES: unknown role "${r}" (use api, ingest)`);
    roles.add(r);
  }
  return roles;
}

/**
 * The server process. In embedded mode it owns the chDB store, so every role that touches telemetry runs
 * here (api + ingest); in distributed mode each role can run alone against CLICKHOUSE_URL.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const roles = parseRoles(process.env.BATHYSCOPE_ROLES);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set (npm start sets it; see README)');

  const prisma = createPrismaClient(config.databaseUrl);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect().catch((err: Error) => {
    throw new Error(`cannot reach Redis at ${config.redisUrl}: ${err.message}`);
  });
  const ch = await openClickHouse(config);
  const applied = await migrateClickHouse(ch);
  if (applied.length) console.log(`clickhouse: applied migrations ${applied.join(', ')}`);

  const closers: Array<() => Promise<unknown>> = [];

  if (roles.has('ingest')) {
    const coalesce =
      config.ingestCoalesce === 'on' || (config.ingestCoalesce === 'auto' && ch.mode === 'embedded')
        ? {
            walDir: path.join(config.stateDir, 'ingest-wal', config.clickhouseDatabase),
            maxRows: config.ingestCoalesceMaxRows,
            maxWaitMs: config.ingestCoalesceMaxWaitMs,
          }
        : undefined;
    const { app, listenH2 } = createIngestServer({
      ch,
      prisma,
      redis,
      maxBatchBytes: config.ingestMaxBatchBytes,
      coalesce,
    });
    await app.listen({ host: config.ingestHost, port: config.ingestPort });
    console.log(`ingest listening on http://${config.ingestHost}:${config.ingestPort}`);
    if (config.ingestH2Port !== undefined) {
      await listenH2(config.ingestH2Port, config.ingestHost);
      console.log(`ingest listening on h2c://${config.ingestHost}:${config.ingestH2Port} (HTTP/2, prior knowledge)`);
    }
    closers.push(() => app.close());
  }

  if (roles.has('api')) {
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.register({ config, ch, prisma, redis }),
      // The console's /graphql proxy runs on loopback: trust its X-Forwarded-For so sign-in throttling and the
      // audit log see the user's address, not the proxy's. Put a real reverse proxy in front in production.
      new FastifyAdapter({ bodyLimit: 1024 * 1024, trustProxy: process.env.API_TRUST_PROXY || 'loopback' }),
      { logger: ['error', 'warn'] },
    );
    await app.register(fastifyCookie);
    app.useGlobalPipes(
      new ValidationPipe({
        transform: true,
        forbidUnknownValues: true,
        exceptionFactory: (errors) =>
          apiError('BAD_USER_INPUT', errors.flatMap((e) => flattenConstraints(e)).join('; ') || 'invalid input'),
      }),
    );
    registerSsoRoutes(app.getHttpAdapter().getInstance(), app.get(SsoService), config);
    app
      .getHttpAdapter()
      .get('/healthz', (_req: unknown, reply: { send(b: unknown): void }) => reply.send({ ok: true }));
    await app.listen(config.apiPort, config.apiHost);
    console.log(`api listening on http://${config.apiHost}:${config.apiPort}/graphql`);
    closers.push(() => app.close());
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`server: ${signal}, shutting down`);
    for (const close of closers.reverse()) await close().catch((e) => console.error(e));
    await ch.close().catch(() => {});
    await prisma.$disconnect().catch(() => {});
    redis.disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  console.log('server ready');
}

main().catch((err) => {
  console.error(`server failed to start: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
