import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { AuditService } from '../audit/audit.service.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import type { TenantSettings, TenantSettingsInput } from './tenant-settings.types.js';

/** Longest telemetry retention each plan allows, in days. */
export const PLAN_MAX_RETENTION_DAYS: Record<string, number> = { free: 7, team: 30, enterprise: 90 };

function maxRetention(plan: string): number {
  return PLAN_MAX_RETENTION_DAYS[plan] ?? PLAN_MAX_RETENTION_DAYS.free!;
}

const SELECT = { slug: true, name: true, plan: true, retentionDays: true } as const;

/**
 * The caller's tenant settings. Retention is stamped on each telemetry row at ingest (the gateway caches it for
 * 5 s) and ClickHouse's TTL reads it per row, so a change applies to data ingested from then on.
 */
@Injectable()
export class TenantSettingsService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async get(viewer: Viewer): Promise<TenantSettings> {
    await this.authz.authorize(viewer, 'read', 'Tenant', { what: 'reading tenant settings' });
    const t = await this.prisma.tenant.findUniqueOrThrow({ where: { id: viewer.tenantId }, select: SELECT });
    return { ...t, maxRetentionDays: maxRetention(t.plan) };
  }

  async update(viewer: Viewer, input: TenantSettingsInput, ctx: GqlContext): Promise<TenantSettings> {
    await this.authz.authorize(viewer, 'update', 'Tenant', { what: 'changing tenant settings' });
    const before = await this.prisma.tenant.findUniqueOrThrow({ where: { id: viewer.tenantId }, select: SELECT });
    const max = maxRetention(before.plan);
    if (input.retentionDays !== undefined && input.retentionDays !== null && input.retentionDays > max) {
      throw apiError('BAD_USER_INPUT', `the ${before.plan} plan keeps telemetry at most ${max} days`, {
        field: 'retentionDays',
      });
    }
    const after = await this.prisma.tenant.update({
      where: { id: viewer.tenantId },
      data: {
        ...(input.name ? { name: input.name } : {}),
        ...(input.retentionDays ? { retentionDays: input.retentionDays } : {}),
      },
      select: SELECT,
    });
    await this.audit.recordChange(ctx, viewer, {
      action: 'tenant.update',
      targetType: 'Tenant',
      targetId: String(viewer.tenantId),
      before: { name: before.name, retentionDays: before.retentionDays },
      after: { name: after.name, retentionDays: after.retentionDays },
    });
    return { ...after, maxRetentionDays: max };
  }
}
