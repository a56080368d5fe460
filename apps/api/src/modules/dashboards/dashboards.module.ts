import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DashboardsResolver } from './dashboards.resolver.js';
import { NetworkService } from './network.service.js';
import { ProtocolsService } from './protocols.service.js';

@Module({
  imports: [AuthModule],
  providers: [DashboardsResolver, ProtocolsService, NetworkService],
})
export class DashboardsModule {}
