import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { FlowsResolver } from './flows.resolver.js';
import { FlowsService } from './flows.service.js';

@Module({
  imports: [AuthModule],
  providers: [FlowsResolver, FlowsService],
})
export class FlowsModule {}
