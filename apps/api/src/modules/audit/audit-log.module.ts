import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AuditLogResolver } from './audit-log.resolver.js';
import { AuditLogService } from './audit-log.service.js';

@Module({ imports: [AuthModule], providers: [AuditLogResolver, AuditLogService] })
export class AuditLogModule {}
