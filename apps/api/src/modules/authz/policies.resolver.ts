import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ConnectionArgs } from '../../pagination.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from './authorize.decorator.js';
import {
  AccessDecision,
  AuthzCatalog,
  Policy,
  PolicyConnection,
  PolicyInput,
  SimulateAccessInput,
} from './dto/policies.types.js';
import { PoliciesService } from './policies.service.js';

@Resolver(() => Policy)
@UseGuards(SessionGuard)
export class PoliciesResolver {
  constructor(@Inject(PoliciesService) private readonly policyService: PoliciesService) {}

  @Query(() => AuthzCatalog, { description: 'Actions, roles, resource types, attributes and fields policies use.' })
  authzCatalog(): AuthzCatalog {
    return this.policyService.catalog();
  }

  @Query(() => PolicyConnection, { description: "The tenant's ABAC policies, newest first (admin)." })
  @Authorize('read', 'Policy')
  policies(@CurrentViewer() viewer: Viewer, @Args('page', { nullable: true }) page?: ConnectionArgs) {
    return this.policyService.list(viewer, page?.first ?? 50, page?.after);
  }

  @Query(() => Policy, { description: 'One policy (admin).' })
  @Authorize('read', 'Policy')
  policy(@CurrentViewer() viewer: Viewer, @Args('id', { type: () => ID }) id: string) {
    return this.policyService.get(viewer, id);
  }

  @Query(() => AccessDecision, {
    description: 'Can a member or API key do an action on a resource, and which rule decides? (Others: admin.)',
  })
  simulateAccess(@CurrentViewer() viewer: Viewer, @Args('input') input: SimulateAccessInput) {
    return this.policyService.simulate(viewer, input);
  }

  @Mutation(() => Policy, { description: 'Creates a policy; it applies at once (admin).' })
  @Authorize('create', 'Policy')
  createPolicy(@CurrentViewer() viewer: Viewer, @Args('input') input: PolicyInput, @Context() ctx: GqlContext) {
    return this.policyService.create(viewer, input, ctx);
  }

  @Mutation(() => Policy, { description: 'Replaces a policy (admin).' })
  @Authorize('update', 'Policy')
  updatePolicy(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: PolicyInput,
    @Context() ctx: GqlContext,
  ) {
    return this.policyService.update(viewer, id, input, ctx);
  }

  @Mutation(() => Boolean, { description: 'Deletes a policy no active API key carries (admin).' })
  @Authorize('delete', 'Policy')
  deletePolicy(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ) {
    return this.policyService.delete(viewer, id, ctx);
  }
}
