import { Inject, UseGuards } from '@nestjs/common';
import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { Authorize } from '../authz/authorize.decorator.js';
import { AlertsService } from './alerts.service.js';
import {
  AlertHistoryEntry,
  AlertHistoryFilter,
  AlertInstance,
  AlertMetricInfo,
  AlertRule,
  AlertRuleInput,
  CreateMaintenanceWindowInput,
  CreateSilenceInput,
  Silence,
  SilenceMaintenanceWindow,
} from './dto/alerts.types.js';

@Resolver()
@UseGuards(SessionGuard)
export class AlertsResolver {
  constructor(@Inject(AlertsService) private readonly alerts: AlertsService) {}

  @Query(() => [AlertMetricInfo], { description: 'Metrics alert rules can watch, with their labels.' })
  @Authorize('read', 'Tenant')
  alertMetrics(): AlertMetricInfo[] {
    return this.alerts.metrics();
  }

  @Query(() => [AlertRule])
  @Authorize('read', 'Tenant')
  alertRules(@CurrentViewer() viewer: Viewer): Promise<AlertRule[]> {
    return this.alerts.rules(viewer);
  }

  @Query(() => AlertRule)
  @Authorize('read', 'Tenant')
  alertRule(@CurrentViewer() viewer: Viewer, @Args('id', { type: () => ID }) id: string): Promise<AlertRule> {
    return this.alerts.rule(viewer, id);
  }

  @Query(() => [AlertInstance], { description: "Current alerts, narrowed by the caller's telemetry policies." })
  @Authorize('read', 'Tenant')
  alertInstances(
    @CurrentViewer() viewer: Viewer,
    @Args('ruleId', { type: () => ID, nullable: true }) ruleId?: string,
    @Args('state', { nullable: true }) state?: string,
  ): Promise<AlertInstance[]> {
    return this.alerts.instances(viewer, ruleId, state);
  }

  @Query(() => [AlertHistoryEntry], { description: 'State transitions, newest first.' })
  @Authorize('read', 'Tenant')
  alertHistory(
    @CurrentViewer() viewer: Viewer,
    @Args('filter', { nullable: true }) filter?: AlertHistoryFilter,
  ): Promise<AlertHistoryEntry[]> {
    return this.alerts.history(viewer, filter ?? new AlertHistoryFilter());
  }

  @Mutation(() => AlertRule, { description: 'Adds an alert rule (editor); it is evaluated from the next tick.' })
  createAlertRule(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: AlertRuleInput,
    @Context() ctx: GqlContext,
  ): Promise<AlertRule> {
    return this.alerts.createRule(viewer, input, ctx);
  }

  @Mutation(() => AlertRule, { description: 'Replaces an alert rule (editor).' })
  updateAlertRule(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: AlertRuleInput,
    @Context() ctx: GqlContext,
  ): Promise<AlertRule> {
    return this.alerts.updateRule(viewer, id, input, ctx);
  }

  @Mutation(() => Boolean)
  deleteAlertRule(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<boolean> {
    return this.alerts.deleteRule(viewer, id, ctx);
  }

  @Query(() => [Silence])
  @Authorize('read', 'Tenant')
  silences(
    @CurrentViewer() viewer: Viewer,
    @Args('includeExpired', { defaultValue: false }) includeExpired: boolean,
  ): Promise<Silence[]> {
    return this.alerts.silences(viewer, includeExpired);
  }

  @Mutation(() => Silence)
  createSilence(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: CreateSilenceInput,
    @Context() ctx: GqlContext,
  ): Promise<Silence> {
    return this.alerts.createSilence(viewer, input, ctx);
  }

  @Mutation(() => Silence)
  expireSilence(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<Silence> {
    return this.alerts.expireSilence(viewer, id, ctx);
  }

  @Query(() => [SilenceMaintenanceWindow])
  @Authorize('read', 'Tenant')
  maintenanceWindows(@CurrentViewer() viewer: Viewer): Promise<SilenceMaintenanceWindow[]> {
    return this.alerts.maintenanceWindows(viewer);
  }

  @Mutation(() => SilenceMaintenanceWindow)
  createMaintenanceWindow(
    @CurrentViewer() viewer: Viewer,
    @Args('input') input: CreateMaintenanceWindowInput,
    @Context() ctx: GqlContext,
  ): Promise<SilenceMaintenanceWindow> {
    return this.alerts.createMaintenanceWindow(viewer, input, ctx);
  }

  @Mutation(() => Boolean)
  deleteMaintenanceWindow(
    @CurrentViewer() viewer: Viewer,
    @Args('id', { type: () => ID }) id: string,
    @Context() ctx: GqlContext,
  ): Promise<boolean> {
    return this.alerts.deleteMaintenanceWindow(viewer, id, ctx);
  }
}
