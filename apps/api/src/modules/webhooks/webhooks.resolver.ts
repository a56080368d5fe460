import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import {
  CreateWebhookDestinationInput,
  RotateWebhookSecretInput,
  UpdateWebhookDestinationInput,
  WebhookDelivery,
  WebhookDeliveryFilter,
  WebhookDestination,
  WebhookDestinationWithSecret,
} from './dto/webhooks.types.js';
import { WebhooksService } from './webhooks.service.js';

@Resolver()
@UseGuards(SessionGuard)
export class WebhooksResolver {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Query(() => [WebhookDestination], { description: "The tenant's webhook destinations." })
  @Authorize('read', 'Tenant')
  webhookDestinations(@CurrentViewer() viewer: Viewer): Promise<WebhookDestination[]> {
    return this.webhooks.list(viewer);
  }

  @Query(() => WebhookDestination)
  @Authorize('read', 'Tenant')
  webhookDestination(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<WebhookDestination> {
    return this.webhooks.get(viewer, id);
  }

  @Query(() => [WebhookDelivery], { description: 'The delivery log, newest first, with every attempt.' })
  @Authorize('read', 'Tenant')
  webhookDeliveries(
    @CurrentViewer() viewer: Viewer,
    @Args('filter', { nullable: true }) filter?: WebhookDeliveryFilter,
  ): Promise<WebhookDelivery[]> {
    return this.webhooks.deliveries(viewer, filter ?? new WebhookDeliveryFilter());
  }

  @Mutation(() => WebhookDestinationWithSecret, { description: 'Adds a destination (editor); its secret shows once.' })
  createWebhookDestination(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: CreateWebhookDestinationInput,
    @Context() ctx: GqlContext,
  ): Promise<WebhookDestinationWithSecret> {
    return this.webhooks.create(viewer, input, ctx);
  }

  @Mutation(() => WebhookDestination)
  updateWebhookDestination(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateWebhookDestinationInput,
    @Context() ctx: GqlContext,
  ): Promise<WebhookDestination> {
    return this.webhooks.update(viewer, id, input, ctx);
  }

  @Mutation(() => Boolean)
  deleteWebhookDestination(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<boolean> {
    return this.webhooks.remove(viewer, id, ctx);
  }

  @Mutation(() => WebhookDestinationWithSecret, { description: 'Adds a signing secret; the new one shows once.' })
  rotateWebhookSecret(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Args('input', { type: () => RotateWebhookSecretInput, nullable: true }) input:
      | RotateWebhookSecretInput
      | undefined,
    @Context() ctx: GqlContext,
  ): Promise<WebhookDestinationWithSecret> {
    return this.webhooks.rotateSecret(viewer, id, input ?? new RotateWebhookSecretInput(), ctx);
  }

  @Mutation(() => WebhookDelivery, { description: 'Queues a test alert to the destination; see webhookDeliveries.' })
  sendTestNotification(
    @CurrentViewer() viewer: Viewer,
    @Args('destinationId', { type: () => ID }) destinationId: string,
    @Context() ctx: GqlContext,
  ): Promise<WebhookDelivery> {
    return this.webhooks.sendTest(viewer, destinationId, ctx);
  }
}
