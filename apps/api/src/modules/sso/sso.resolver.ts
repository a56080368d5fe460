import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { SsoService } from './sso.service.js';
import { ConfigureSsoInput, SsoConnection } from './sso.types.js';

@Resolver()
@UseGuards(SessionGuard)
export class SsoResolver {
  constructor(@Inject(SsoService) private readonly sso: SsoService) {}

  @Query(() => SsoConnection, { nullable: true, description: "The tenant's OpenID Connect SSO settings (admin)." })
  ssoConnection(@CurrentViewer() viewer: Viewer): Promise<SsoConnection | null> {
    return this.sso.get(viewer);
  }

  @Mutation(() => SsoConnection, {
    description: 'Sets up OpenID Connect SSO; the provider must answer discovery (owner).',
  })
  configureSso(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: ConfigureSsoInput,
    @Context() ctx: GqlContext,
  ): Promise<SsoConnection> {
    return this.sso.configure(viewer, input, ctx);
  }
}
