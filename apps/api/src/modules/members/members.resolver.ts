import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { isEmail } from 'class-validator';
import { apiError } from '../../graphql-errors.js';
import { ConnectionArgs } from '../../pagination.js';
import { toViewerType } from '../auth/auth.resolver.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { ViewerType } from '../auth/dto/auth.types.js';
import { SessionGuard } from '../auth/session.guard.js';
import { setSessionCookie } from '../auth/session-cookie.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import {
  AcceptInvitationInput,
  ChangeMemberRoleInput,
  Invitation,
  InvitationConnection,
  InviteMemberInput,
  Member,
  MemberConnection,
  ResetPasswordInput,
  TenantMembership,
} from './dto/members.types.js';
import { MembersService } from './members.service.js';

@Resolver()
export class MembersResolver {
  constructor(@Inject(MembersService) private readonly membersService: MembersService) {}

  @Query(() => MemberConnection, { description: "The tenant's members." })
  @UseGuards(SessionGuard)
  members(@CurrentViewer() viewer: Viewer, @Args('page', { nullable: true }) page?: ConnectionArgs) {
    return this.membersService.list(viewer, page?.first ?? 50, page?.after);
  }

  @Query(() => InvitationConnection, { description: 'Invitations sent from this tenant (admin).' })
  @UseGuards(SessionGuard)
  invitations(@CurrentViewer() viewer: Viewer, @Args('page', { nullable: true }) page?: ConnectionArgs) {
    return this.membersService.invitations(viewer, page?.first ?? 50, page?.after);
  }

  @Query(() => [TenantMembership], { description: 'The tenants the signed-in user belongs to (tenant switcher).' })
  @UseGuards(SessionGuard)
  myTenants(@CurrentViewer() viewer: Viewer) {
    return this.membersService.myTenants(viewer);
  }

  @Mutation(() => Invitation, { description: 'Invites someone by email with a one-time link valid 7 days (admin).' })
  @UseGuards(SessionGuard)
  inviteMember(@CurrentViewer() viewer: Viewer, @Args('input') input: InviteMemberInput, @Context() ctx: GqlContext) {
    return this.membersService.invite(viewer, input, ctx);
  }

  @Mutation(() => Invitation)
  @UseGuards(SessionGuard)
  revokeInvitation(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ) {
    return this.membersService.revokeInvitation(viewer, id, ctx);
  }

  @Mutation(() => Member, { description: 'Changes a member’s role (admin; owners only by owners; one owner stays).' })
  @UseGuards(SessionGuard)
  changeMemberRole(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: ChangeMemberRoleInput,
    @Context() ctx: GqlContext,
  ) {
    return this.membersService.changeRole(viewer, input, ctx);
  }

  @Mutation(() => Boolean, { description: 'Removes a member: their sessions end and their API keys stop working.' })
  @UseGuards(SessionGuard)
  removeMember(
    @CurrentViewer() viewer: Viewer,
    @Args('userId', { type: () => ID }) userId: string,
    @Context() ctx: GqlContext,
  ) {
    return this.membersService.remove(viewer, userId, ctx);
  }

  @Mutation(() => ViewerType, { description: 'Switches the session to another tenant the user belongs to.' })
  @UseGuards(SessionGuard)
  async switchTenant(@CurrentViewer() viewer: Viewer, @Args('slug') slug: string, @Context() ctx: GqlContext) {
    const session = await this.membersService.switchTenant(viewer, slug);
    setSessionCookie(ctx, session.token);
    ctx.viewer = session.viewer;
    return toViewerType(session.viewer);
  }

  @Mutation(() => ViewerType, { description: 'Accepts an invitation link and signs in to that tenant.' })
  async acceptInvitation(@Args('input') input: AcceptInvitationInput, @Context() ctx: GqlContext) {
    const session = await this.membersService.accept(input, ctx);
    setSessionCookie(ctx, session.token);
    ctx.viewer = session.viewer;
    return toViewerType(session.viewer);
  }

  @Mutation(() => Boolean, { description: 'Emails a one-time reset link if the account exists; always true.' })
  requestPasswordReset(@Args('email') email: string, @Context() ctx: GqlContext) {
    if (email.length > 254 || !isEmail(email))
      throw apiError('BAD_USER_INPUT', 'email is not an email address', { field: 'email' });
    return this.membersService.requestPasswordReset(email, ctx);
  }

  @Mutation(() => Boolean, { description: 'Sets a new password from a reset link; signs out every session.' })
  resetPassword(@Args('input') input: ResetPasswordInput, @Context() ctx: GqlContext) {
    return this.membersService.resetPassword(input, ctx);
  }
}
