import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { apiError } from '../../graphql-errors.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthService, SESSION_COOKIE } from './auth.service.js';
import { RequestRateLimit } from './request-rate-limit.js';
import type { GqlContext } from './viewer.js';

/** Resolves the viewer (session cookie or API key) once per request; refuses anonymous callers. */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(RequestRateLimit) private readonly rateLimit: RequestRateLimit,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ctx = GqlExecutionContext.create(context).getContext<GqlContext>();
    const viewer = await resolveViewer(ctx, this.auth, this.audit);
    if (!viewer) throw apiError('UNAUTHENTICATED', 'sign in first');
    await this.rateLimit.consume(ctx, viewer);
    return true;
  }
}

/**
 * An Authorization header means API-key authentication and must be valid (a bad key never falls back to the
 * cookie); otherwise the session cookie is used.
 */
export async function resolveViewer(ctx: GqlContext, auth: AuthService, audit?: AuditService) {
  if (ctx.viewer !== undefined) return ctx.viewer;
  const authorization = ctx.req.headers.authorization;
  if (authorization === undefined) {
    ctx.viewer = await auth.viewerForSession(ctx.req.cookies?.[SESSION_COOKIE]);
    return ctx.viewer;
  }
  const check = await auth.viewerForApiKey(authorization);
  if (check.ok) {
    ctx.viewer = check.viewer;
    return ctx.viewer;
  }
  ctx.viewer = null;
  if (audit && check.tenantId !== undefined) {
    await audit.record(ctx, {
      tenantId: check.tenantId,
      actor: `apikey:${check.apiKeyId}`,
      actorLabel: 'API key',
      action: 'apiKey.use',
      targetType: 'ApiKey',
      targetId: check.apiKeyId ?? '',
      outcome: 'denied',
      after: { reason: check.reason },
    });
  }
  throw apiError('UNAUTHENTICATED', `API key refused: ${check.reason}`);
}
