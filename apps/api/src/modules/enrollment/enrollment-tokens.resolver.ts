import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ConnectionArgs } from '../../pagination.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import {
  CreatedEnrollmentToken,
  CreateEnrollmentTokenInput,
  EnrollmentToken,
  EnrollmentTokenConnection,
} from './dto/enrollment.types.js';
import { EnrollmentTokensService } from './enrollment-tokens.service.js';

@Resolver(() => EnrollmentToken)
@UseGuards(SessionGuard)
export class EnrollmentTokensResolver {
  constructor(@Inject(EnrollmentTokensService) private readonly tokens: EnrollmentTokensService) {}

  @Query(() => EnrollmentTokenConnection, { description: "The tenant's enrollment tokens, newest first (admin)." })
  @Authorize('read', 'EnrollmentToken')
  enrollmentTokens(
    @CurrentViewer() viewer: Viewer,
    @Args('page', { nullable: true }) page?: ConnectionArgs,
  ): Promise<EnrollmentTokenConnection> {
    return this.tokens.list(viewer, page?.first ?? 50, page?.after);
  }

  @Mutation(() => CreatedEnrollmentToken, {
    description: 'Creates a token to enroll agents (into a group); the token is returned once (admin).',
  })
  @Authorize('create', 'EnrollmentToken')
  createEnrollmentToken(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: CreateEnrollmentTokenInput,
    @Context() ctx: GqlContext,
  ): Promise<CreatedEnrollmentToken> {
    return this.tokens.create(viewer, input, ctx);
  }

  @Mutation(() => EnrollmentToken, {
    description:
      'Revokes an enrollment token: later enrollments with it are refused; enrolled agents keep working (admin).',
  })
  @Authorize('delete', 'EnrollmentToken')
  revokeEnrollmentToken(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<EnrollmentToken> {
    return this.tokens.revoke(viewer, id, ctx);
  }
}
