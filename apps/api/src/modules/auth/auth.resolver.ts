import { Inject } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { apiError } from '../../graphql-errors.js';
import { AuthService, SESSION_COOKIE } from './auth.service.js';
import { AuditService } from '../audit/audit.service.js';
import { LoginInput, SignUpInput, ViewerType } from './dto/auth.types.js';
import { LoginThrottle } from './login-throttle.js';
import { setSessionCookie } from './session-cookie.js';
import { resolveViewer } from './session.guard.js';
import { actorOf, type GqlContext, type Viewer } from './viewer.js';

export function toViewerType(v: Viewer): ViewerType {
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
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Query(() => ViewerType, { nullable: true, description: 'The signed-in user and tenant, or null.' })
  async me(@Context() ctx: GqlContext): Promise<ViewerType | null> {
    const viewer = await resolveViewer(ctx, this.auth, this.audit);
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
    setSessionCookie(ctx, result.token);
    ctx.viewer = result.viewer;
    await this.audit.record(ctx, {
      tenantId: result.viewer.tenantId,
      ...actorOf(result.viewer),
      action: 'session.login',
    });
    return toViewerType(result.viewer);
  }

  @Mutation(() => ViewerType, { description: 'Creates a tenant and its owner, and signs the owner in.' })
  async signUp(@Args('input') input: SignUpInput, @Context() ctx: GqlContext): Promise<ViewerType> {
    const result = await this.auth.signUp(input);
    if ('conflict' in result) {
      throw result.conflict === 'SLUG_TAKEN'
        ? apiError('CONFLICT', 'that tenant slug is taken', { field: 'tenantSlug' })
        : apiError('CONFLICT', 'an account with this email exists; sign in instead', { field: 'email' });
    }
    setSessionCookie(ctx, result.token);
    ctx.viewer = result.viewer;
    await this.audit.record(ctx, {
      tenantId: result.viewer.tenantId,
      ...actorOf(result.viewer),
      action: 'tenant.signUp',
      targetType: 'Tenant',
      targetId: String(result.viewer.tenantId),
      after: { slug: result.viewer.tenantSlug, name: result.viewer.tenantName, owner: result.viewer.email },
    });
    return toViewerType(result.viewer);
  }

  @Mutation(() => Boolean)
  async logout(@Context() ctx: GqlContext): Promise<boolean> {
    const viewer = ctx.req.headers.authorization ? null : await resolveViewer(ctx, this.auth);
    await this.auth.logout(ctx.req.cookies?.[SESSION_COOKIE]);
    if (viewer)
      await this.audit.record(ctx, { tenantId: viewer.tenantId, ...actorOf(viewer), action: 'session.logout' });
    ctx.reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return true;
  }
}
