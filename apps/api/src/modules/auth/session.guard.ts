import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { apiError } from '../../graphql-errors.js';
import { AuthService, SESSION_COOKIE } from './auth.service.js';
import type { GqlContext } from './viewer.js';

/** Resolves the viewer from the session cookie once per request; refuses anonymous callers. */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ctx = GqlExecutionContext.create(context).getContext<GqlContext>();
    const viewer = await resolveViewer(ctx, this.auth);
    if (!viewer) throw apiError('UNAUTHENTICATED', 'sign in first');
    return true;
  }
}

export async function resolveViewer(ctx: GqlContext, auth: AuthService) {
  if (ctx.viewer === undefined) {
    ctx.viewer = await auth.viewerForSession(ctx.req.cookies?.[SESSION_COOKIE]);
  }
  return ctx.viewer;
}
