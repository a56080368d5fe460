import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SsoResolver } from './sso.resolver.js';
import { SsoService } from './sso.service.js';

@Module({ imports: [AuthModule], providers: [SsoResolver, SsoService], exports: [SsoService] })
export class SsoModule {}
