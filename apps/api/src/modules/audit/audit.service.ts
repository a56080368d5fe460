import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../../infra/tokens.js';
import { actorOf, type GqlContext, type Viewer } from '../auth/viewer.js';

export interface AuditEntry {
  tenantId: number;
  actor: string | null;
  actorLabel: string;
  action: string;
  targetType?: string;
  targetId?: string;
  outcome?: 'success' | 'denied' | 'failure';
  before?: unknown;
  after?: unknown;
}

/** Writes the audit log. Entries carry where the request came from; secrets are never part of before/after. */
@Injectable()
export class AuditService {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** A successful change made by a viewer: who is taken from the viewer, before/after omitted when null. */
  recordChange(
    ctx: Pick<GqlContext, 'req'>,
    viewer: Viewer,
    change: { action: string; targetType: string; targetId: string; before: unknown; after: unknown },
  ): Promise<void> {
    return this.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: change.action,
      targetType: change.targetType,
      targetId: change.targetId,
      ...(change.before === null ? {} : { before: change.before }),
      ...(change.after === null ? {} : { after: change.after }),
    });
  }

  /** `recordChange` for one target type, in the argument order feature services use. */
  recorderFor(targetType: string) {
    return (
      viewer: Viewer,
      ctx: Pick<GqlContext, 'req'>,
      action: string,
      targetId: string,
      before: Record<string, unknown> | null,
      after: Record<string, unknown> | null,
    ) => this.recordChange(ctx, viewer, { action, targetType, targetId, before, after });
  }

  async record(ctx: Pick<GqlContext, 'req'>, entry: AuditEntry): Promise<void> {
    const ua = ctx.req.headers['user-agent'];
    await this.prisma.auditLog.create({
      data: {
        tenantId: entry.tenantId,
        actor: entry.actor,
        actorLabel: entry.actorLabel,
        action: entry.action,
        targetType: entry.targetType ?? '',
        targetId: entry.targetId ?? '',
        outcome: entry.outcome ?? 'success',
        before: (entry.before ?? undefined) as never,
        after: (entry.after ?? undefined) as never,
        ip: ctx.req.ip ?? '',
        userAgent: typeof ua === 'string' ? ua.slice(0, 256) : '',
      },
    });
  }
}
