import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EnrollmentTokensResolver } from './enrollment-tokens.resolver.js';
import { EnrollmentTokensService } from './enrollment-tokens.service.js';
import { FleetResolver } from './fleet.resolver.js';
import { FleetService } from './fleet.service.js';

/** Agent enrollment tokens and fleet lifecycle (revocation); the exchange itself is on the ingest gateway. */
@Module({
  imports: [AuthModule],
  providers: [EnrollmentTokensResolver, EnrollmentTokensService, FleetResolver, FleetService],
})
export class EnrollmentModule {}
