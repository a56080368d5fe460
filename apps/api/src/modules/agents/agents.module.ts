import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AgentsResolver } from './agents.resolver.js';
import { AgentsService } from './agents.service.js';
import { IngestGatewaysService } from './ingest-gateways.service.js';

@Module({
  imports: [AuthModule],
  providers: [AgentsResolver, AgentsService, IngestGatewaysService],
})
export class AgentsModule {}
