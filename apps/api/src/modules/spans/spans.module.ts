import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SpansResolver } from './spans.resolver.js';
import { SpansService } from './spans.service.js';

@Module({
  imports: [AuthModule],
  providers: [SpansResolver, SpansService],
})
export class SpansModule {}
