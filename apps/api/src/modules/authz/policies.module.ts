import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { PoliciesResolver } from './policies.resolver.js';
import { PoliciesService } from './policies.service.js';

@Module({ imports: [AuthModule], providers: [PoliciesResolver, PoliciesService] })
export class PoliciesModule {}
