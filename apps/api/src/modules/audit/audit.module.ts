import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';

/** The audit writer, available to every feature module (guards record refused credentials too). */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
