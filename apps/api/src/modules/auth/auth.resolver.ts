import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { apiError } from '../../graphql-errors.js';
import { AuthService, SESSION_COOKIE, SESSION_TTL_MS } from './auth.service.js';
import { LoginInput, ViewerType } from './dto/auth.types.js';
import { LoginThrottle } from './login-throttle.js';
import { resolveViewer } from './session.guard.js';
import type { GqlContext, Viewer } from './viewer.js';

function toViewerType(v: Viewer): ViewerType {
  return {
    userId: v.userId,
    email: v.email,
    role: v.role,
    tenant: { id: v.tenantId, slug: v.tenantSlug, name: v.tenantName },
  };
}

@Resolver(() => ViewerType)
export class AuthResolver {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {}

  @Query(() => ViewerType, { nullable: true, description: 'The signed-in user and tenant, or null.' })
  async me(@Context() ctx: GqlContext): Promise<ViewerType | null> {
    const viewer = await resolveViewer(ctx, this.auth);
    return viewer ? toViewerType(viewer) : null;
  }

  @Mutation(() => ViewerType, { description: 'Signs in and sets the HTTP-only session cookie.' })
  async login(@Args('input') input: LoginInput, @Context() ctx: GqlContext): Promise<ViewerType> {
    const ip = ctx.req.ip;
    const wait = await this.throttle.retryAfter(input.email, ip);
    if (wait > 0)
      throw apiError('TOO_MANY_ATTEMPTS', `too many failed sign-ins; try again in ${wait} s`, { retryAfter: wait });
    const result = await this.auth.login(input.email, input.password, input.tenantSlug);
    if (!result) {
      await this.throttle.recordFailure(input.email, ip);
      throw apiError('INVALID_CREDENTIALS', 'email or password is wrong');
    }
    await this.throttle.recordSuccess(input.email);
    ctx.reply.setCookie(SESSION_COOKIE, result.token, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: ctx.req.protocol === 'https',
      maxAge: SESSION_TTL_MS / 1000,
    });
    ctx.viewer = result.viewer;
    return toViewerType(result.viewer);
  }

  @Mutation(() => Boolean)
  async logout(@Context() ctx: GqlContext): Promise<boolean> {
    await this.auth.logout(ctx.req.cookies?.[SESSION_COOKIE]);
    ctx.reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return true;
  }
}
