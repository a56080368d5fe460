import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RequestsResolver } from './requests.resolver.js';
import { RequestsService } from './requests.service.js';

@Module({
  imports: [AuthModule],
  providers: [RequestsResolver, RequestsService],
})
export class RequestsModule {}
