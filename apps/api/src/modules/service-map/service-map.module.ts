import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ServiceMapResolver } from './service-map.resolver.js';
import { ServiceMapService } from './service-map.service.js';

@Module({
  imports: [AuthModule],
  providers: [ServiceMapResolver, ServiceMapService],
})
export class ServiceMapModule {}
