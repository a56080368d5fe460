import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TeamsResolver } from './teams.resolver.js';
import { TeamsService } from './teams.service.js';

@Module({ imports: [AuthModule], providers: [TeamsResolver, TeamsService] })
export class TeamsModule {}
