import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TenantSettingsResolver } from './tenant-settings.resolver.js';
import { TenantSettingsService } from './tenant-settings.service.js';

@Module({ imports: [AuthModule], providers: [TenantSettingsResolver, TenantSettingsService] })
export class TenantSettingsModule {}
