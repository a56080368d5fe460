import * as path from 'node:path';
import type { BathyscopeConfig } from '@bathyscope/config';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { complexityLimitPlugin, depthLimitRule } from './graphql-limits.js';
import { InfraModule } from './infra/infra.module.js';
import { AlertsModule } from './modules/alerts/alerts.module.js';
import { AgentConfigModule } from './modules/agent-config/agent-config.module.js';
import { AgentsModule } from './modules/agents/agents.module.js';
import { ApiKeysModule } from './modules/api-keys/api-keys.module.js';
import { AuditLogModule } from './modules/audit/audit-log.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { EnrollmentModule } from './modules/enrollment/enrollment.module.js';
import { ForecastsModule } from './modules/forecasts/forecasts.module.js';
import { InstallModule } from './modules/install/install.module.js';
import { MembersModule } from './modules/members/members.module.js';
import { SsoModule } from './modules/sso/sso.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { AuthzModule } from './modules/authz/authz.module.js';
import { PoliciesModule } from './modules/authz/policies.module.js';
import { TeamsModule } from './modules/teams/teams.module.js';
import { TenantSettingsModule } from './modules/tenant/tenant-settings.module.js';
import { RequestsModule } from './modules/requests/requests.module.js';
import { ResourceSyncModule } from './modules/resource-sync/resource-sync.module.js';
import { ServiceMapModule } from './modules/service-map/service-map.module.js';
import { SpansModule } from './modules/spans/spans.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';
import { FlowsModule } from './modules/flows/flows.module.js';
import { ProfilesModule } from './modules/profiles/profiles.module.js';
import { DashboardsModule } from './modules/dashboards/dashboards.module.js';
import { TracesModule } from './modules/traces/traces.module.js';

export interface AppDeps {
  config: BathyscopeConfig;
  ch: ClickHouseHandle;
  prisma: PrismaClient;
  redis: Redis;
}

@Module({})
export class AppModule {
  static register(deps: AppDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.register(deps),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          // Code first; the SDL is written next to the app and committed, so API changes show up in review.
          autoSchemaFile: path.join(import.meta.dirname, '..', 'schema.graphql'),
          sortSchema: true,
          introspection: true,
          includeStacktraceInErrorResponses: process.env.NODE_ENV === 'development',
          validationRules: [depthLimitRule],
          plugins: [complexityLimitPlugin],
          context: (req: FastifyRequest, reply: FastifyReply) => ({ req, reply }),
        }),
        AuditModule,
        AuthzModule,
        AuthModule,
        RequestsModule,
        SpansModule,
        ServiceMapModule,
        ProfilesModule,
        FlowsModule,
        DashboardsModule,
        TracesModule,
        ApiKeysModule,
        AuditLogModule,
        MembersModule,
        SsoModule,
        AgentsModule,
        AgentConfigModule,
        TeamsModule,
        TenantSettingsModule,
        PoliciesModule,
        EnrollmentModule,
        InstallModule,
        ResourceSyncModule,
        WebhooksModule,
        AlertsModule,
        ForecastsModule,
      ],
    };
  }
}
