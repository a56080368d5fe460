import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AgentConfigResolver } from './agent-config.resolver.js';
import { AgentConfigService } from './agent-config.service.js';

/** Versioned agent-group configuration (the gateways serve it at check-in). */
@Module({
  imports: [AuthModule],
  providers: [AgentConfigResolver, AgentConfigService],
})
export class AgentConfigModule {}
