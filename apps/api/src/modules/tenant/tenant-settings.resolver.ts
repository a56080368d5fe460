import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { TenantSettingsService } from './tenant-settings.service.js';
import { TenantSettings, TenantSettingsInput } from './tenant-settings.types.js';

@Resolver(() => TenantSettings)
@UseGuards(SessionGuard)
export class TenantSettingsResolver {
  constructor(@Inject(TenantSettingsService) private readonly settings: TenantSettingsService) {}

  @Query(() => TenantSettings, { description: "The caller's tenant: name, plan and telemetry retention." })
  @Authorize('read', 'Tenant')
  tenantSettings(@CurrentViewer() viewer: Viewer): Promise<TenantSettings> {
    return this.settings.get(viewer);
  }

  @Mutation(() => TenantSettings, { description: 'Renames the tenant or changes its retention (admin).' })
  @Authorize('update', 'Tenant')
  updateTenantSettings(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: TenantSettingsInput,
    @Context() ctx: GqlContext,
  ): Promise<TenantSettings> {
    return this.settings.update(viewer, input, ctx);
  }
}
