import { Module } from '@nestjs/common';
import { AuthResolver } from './auth.resolver.js';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';
import { RequestRateLimit } from './request-rate-limit.js';
import { SessionGuard } from './session.guard.js';

@Module({
  providers: [AuthService, AuthResolver, SessionGuard, LoginThrottle, RequestRateLimit],
  exports: [AuthService, SessionGuard, RequestRateLimit],
})
export class AuthModule {}
