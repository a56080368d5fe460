import { Global, Module } from '@nestjs/common';
import { AuthzService } from './authz.service.js';

/** Authorization for every feature module: abilities from roles and ABAC policies. */
@Global()
@Module({ providers: [AuthzService], exports: [AuthzService] })
export class AuthzModule {}
