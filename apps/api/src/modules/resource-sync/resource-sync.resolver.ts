import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Info, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { ConnectionArgs } from '../../pagination.js';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { ConnectorsService } from './connectors.service.js';
import {
  ConnectionTestResult,
  Connector,
  ConnectorConnection,
  CreateConnectorInput,
  UpdateConnectorInput,
} from './dto/connectors.types.js';
import {
  InventoryFilter,
  InventoryPage,
  InventoryResource,
  InventoryResourceConnection,
  ResourceIpInterval,
} from './dto/inventory.types.js';
import { InventoryService } from './inventory.service.js';

@Resolver(() => Connector)
@UseGuards(SessionGuard)
export class ConnectorsResolver {
  constructor(@Inject(ConnectorsService) private readonly service: ConnectorsService) {}

  @Query(() => ConnectorConnection, { description: "The tenant's resource connectors with their sync status." })
  connectors(
    @CurrentViewer() viewer: Viewer,
    @Args('page', { nullable: true }) page?: ConnectionArgs,
  ): Promise<ConnectorConnection> {
    return this.service.list(viewer, page?.first ?? 50, page?.after);
  }

  @Query(() => Connector)
  connector(@CurrentViewer() viewer: Viewer, @Args('id', { type: () => ID }) id: string): Promise<Connector> {
    return this.service.get(viewer, id);
  }

  @Mutation(() => Connector, { description: 'Adds a connector and runs its first sync (admin).' })
  createConnector(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: CreateConnectorInput,
    @Context() ctx: GqlContext,
  ): Promise<Connector> {
    return this.service.create(viewer, input, ctx);
  }

  @Mutation(() => Connector, { description: 'Changes a connector; its watch restarts from a listing (admin).' })
  updateConnector(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateConnectorInput,
    @Context() ctx: GqlContext,
  ): Promise<Connector> {
    return this.service.update(viewer, id, input, ctx);
  }

  @Mutation(() => Connector, { description: 'Deletes a connector; its resources are tombstoned (admin).' })
  deleteConnector(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<Connector> {
    return this.service.delete(viewer, id, ctx);
  }

  @Mutation(() => ConnectionTestResult, {
    description: 'Checks that the endpoint answers and accepts the credentials.',
  })
  testConnector(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ConnectionTestResult> {
    return this.service.test(viewer, id);
  }

  @Mutation(() => Connector, { description: 'Queues a full sync now (deduplicated while one is queued).' })
  runConnector(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<Connector> {
    return this.service.runNow(viewer, id, ctx);
  }
}

@Resolver(() => InventoryResource)
@UseGuards(SessionGuard)
export class InventoryResolver {
  constructor(@Inject(InventoryService) private readonly store: InventoryService) {}

  @Query(() => InventoryResourceConnection, {
    description: 'Resources telemetry is tagged with (connectors and agents), newest first.',
  })
  inventory(
    @CurrentViewer() viewer: Viewer,
    @Args('filter', { nullable: true }) filter?: InventoryFilter,
    @Args('page', { nullable: true }) page?: InventoryPage,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<InventoryResourceConnection> {
    const withIps = info ? selectsField(info, info.fieldNodes[0]?.selectionSet, 'ips') : false;
    return this.store.list(viewer, filter, page?.first ?? 50, page?.after, withIps);
  }

  @Query(() => InventoryResource)
  inventoryResource(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => Int }) id: number,
  ): Promise<InventoryResource> {
    return this.store.get(viewer, id);
  }

  @ResolveField(() => [InventoryResource], { description: 'Parent first, then its parent …' })
  ancestors(@CurrentViewer() viewer: Viewer, @Parent() r: InventoryResource): Promise<InventoryResource[]> {
    return this.store.ancestors(viewer.tenantId, r);
  }

  @ResolveField(() => [ResourceIpInterval], { description: 'Addresses it held and holds, newest first.' })
  ips(@CurrentViewer() viewer: Viewer, @Parent() r: InventoryResource): Promise<ResourceIpInterval[]> {
    return this.store.ips(viewer.tenantId, r);
  }

  @ResolveField(() => [InventoryResource], { description: 'Services selecting it.' })
  services(@CurrentViewer() viewer: Viewer, @Parent() r: InventoryResource): Promise<InventoryResource[]> {
    return this.store.services(viewer.tenantId, r);
  }
}

/** Whether a selection asks for `name` anywhere below it (through fragments too). */
function selectsField(info: GraphQLResolveInfo, set: SelectionSetNode | undefined, name: string, depth = 0): boolean {
  if (!set || depth > 8) return false;
  for (const sel of set.selections) {
    if (sel.kind === 'Field' && (sel.name.value === name || selectsField(info, sel.selectionSet, name, depth + 1))) {
      return true;
    }
    if (sel.kind === 'InlineFragment' && selectsField(info, sel.selectionSet, name, depth + 1)) return true;
    if (sel.kind === 'FragmentSpread') {
      const fragment = info.fragments[sel.name.value];
      if (fragment && selectsField(info, fragment.selectionSet, name, depth + 1)) return true;
    }
  }
  return false;
}
