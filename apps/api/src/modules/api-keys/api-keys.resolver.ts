import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ConnectionArgs } from '../../pagination.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKey, ApiKeyConnection, CreateApiKeyInput, CreatedApiKey } from './dto/api-keys.types.js';

@Resolver(() => ApiKey)
@UseGuards(SessionGuard)
export class ApiKeysResolver {
  constructor(@Inject(ApiKeysService) private readonly apiKeyService: ApiKeysService) {}

  @Query(() => ApiKeyConnection, { description: "The tenant's API keys, newest first (admin)." })
  apiKeys(
    @CurrentViewer() viewer: Viewer,
    @Args('page', { nullable: true }) page?: ConnectionArgs,
  ): Promise<ApiKeyConnection> {
    return this.apiKeyService.list(viewer, page?.first ?? 50, page?.after);
  }

  @Mutation(() => CreatedApiKey, { description: 'Creates an API key; the secret is returned once (admin).' })
  createApiKey(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: CreateApiKeyInput,
    @Context() ctx: GqlContext,
  ): Promise<CreatedApiKey> {
    return this.apiKeyService.create(viewer, input, ctx);
  }

  @Mutation(() => ApiKey, { description: 'Revokes an API key; it stops working at once (admin).' })
  revokeApiKey(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<ApiKey> {
    return this.apiKeyService.revoke(viewer, id, ctx);
  }
}
