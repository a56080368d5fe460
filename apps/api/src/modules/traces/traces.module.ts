import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TracesResolver } from './traces.resolver.js';
import { TracesService } from './traces.service.js';

@Module({
  imports: [AuthModule],
  providers: [TracesResolver, TracesService],
})
export class TracesModule {}
