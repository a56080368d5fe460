import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ProfilesResolver } from './profiles.resolver.js';
import { ProfilesService } from './profiles.service.js';

@Module({
  imports: [AuthModule],
  providers: [ProfilesResolver, ProfilesService],
})
export class ProfilesModule {}
