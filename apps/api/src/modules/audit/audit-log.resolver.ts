import { Inject, UseGuards } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { ConnectionArgs } from '../../pagination.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditLogConnection, AuditLogFilter } from './dto/audit.types.js';

@Resolver()
@UseGuards(SessionGuard)
export class AuditLogResolver {
  constructor(@Inject(AuditLogService) private readonly auditLogService: AuditLogService) {}

  @Query(() => AuditLogConnection, { description: "The tenant's audit log, newest first (admin)." })
  auditLog(
    @CurrentViewer() viewer: Viewer,
    @Args('page', { nullable: true }) page?: ConnectionArgs,
    @Args('filter', { nullable: true }) filter?: AuditLogFilter,
  ): Promise<AuditLogConnection> {
    return this.auditLogService.list(viewer, page?.first ?? 50, page?.after, filter);
  }
}
