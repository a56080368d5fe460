import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ApiKeysResolver } from './api-keys.resolver.js';
import { ApiKeysService } from './api-keys.service.js';

@Module({
  imports: [AuthModule],
  providers: [ApiKeysResolver, ApiKeysService],
})
export class ApiKeysModule {}
