import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { apiError } from '../../graphql-errors.js';
import { AuditService } from '../audit/audit.service.js';
import { AUTHORIZE_KEY, type AuthorizeRequirement } from '../authz/authorize.decorator.js';
import { AuthzService } from '../authz/authz.service.js';
import { AuthService, SESSION_COOKIE } from './auth.service.js';
import { RequestRateLimit } from './request-rate-limit.js';
import type { GqlContext } from './viewer.js';

/**
 * Resolves the viewer (session cookie or API key) once per request, refuses anonymous callers, applies the rate
 * limit, and checks the resolver's @Authorize requirement against the viewer's ABAC ability.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(RequestRateLimit) private readonly rateLimit: RequestRateLimit,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ctx = GqlExecutionContext.create(context).getContext<GqlContext>();
    const viewer = await resolveViewer(ctx, this.auth, this.audit);
    if (!viewer) throw apiError('UNAUTHENTICATED', 'sign in first');
    await this.rateLimit.consume(ctx, viewer);
    const requirement = this.reflector.getAllAndOverride<AuthorizeRequirement | undefined>(AUTHORIZE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (requirement) await this.authz.authorize(viewer, requirement.action, requirement.resource);
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
