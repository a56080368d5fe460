import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../../infra/tokens.js';
import { afterCursorWhere, encodeRowCursor } from '../../pagination.js';
import { AuthzService } from '../authz/authz.service.js';
import type { Viewer } from '../auth/viewer.js';
import type { AuditLogConnection, AuditLogFilter } from './dto/audit.types.js';

@Injectable()
export class AuditLogService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  async list(
    viewer: Viewer,
    first: number,
    after: string | undefined,
    filter?: AuditLogFilter,
  ): Promise<AuditLogConnection> {
    await this.authz.authorize(viewer, 'read', 'AuditLog', { what: 'reading the audit log' });
    const rows = await this.prisma.auditLog.findMany({
      where: {
        tenantId: viewer.tenantId,
        ...(filter?.action ? { action: filter.action } : {}),
        ...(filter?.outcome ? { outcome: filter.outcome } : {}),
        ...afterCursorWhere(after),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: {
        id: true,
        createdAt: true,
        actor: true,
        actorLabel: true,
        action: true,
        targetType: true,
        targetId: true,
        outcome: true,
        before: true,
        after: true,
        ip: true,
        userAgent: true,
      },
    });
    const edges = rows.slice(0, first).map((r) => ({
      cursor: encodeRowCursor(r.createdAt, r.id),
      node: {
        ...r,
        before: r.before === null ? null : JSON.stringify(r.before),
        after: r.after === null ? null : JSON.stringify(r.after),
      },
    }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
