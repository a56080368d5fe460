import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { Prisma, type PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { CLICKHOUSE, PRISMA } from '../../infra/tokens.js';
import { AuditService } from '../audit/audit.service.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import { TenantQuery } from '../telemetry/tenant-query.js';
import { requireAlertEditor } from './access.js';
import { AlertScheduler } from './alert-scheduler.js';
import type {
  AlertHistoryEntry,
  AlertHistoryFilter,
  AlertInstance,
  AlertLabel,
  AlertMetricInfo,
  AlertRule,
  AlertRuleInput,
  CreateMaintenanceWindowInput,
  CreateSilenceInput,
  Silence,
  SilenceMaintenanceWindow,
} from './dto/alerts.types.js';
import { inMaintenance, type LabelMatcher } from './matchers.js';
import {
  checkForecastRule,
  EVERY_HOST,
  type ForecastRuleSpec,
  MAX_EVERY_HOST_RULES_PER_TENANT,
  MAX_FORECAST_RULES_PER_TENANT,
} from './forecast-rules.js';
import { alertVisibility } from './telemetry-visibility.js';
import { ALERT_METRICS, checkMetricLabels } from './metric-catalogue.js';

const toLabels = (m: unknown): AlertLabel[] =>
  Object.entries((m ?? {}) as Record<string, string>).map(([name, value]) => ({ name, value }));

const fromLabels = (labels: readonly { name: string; value: string }[], field: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const l of labels) {
    if (l.name in out) throw apiError('BAD_USER_INPUT', `${l.name} is given twice`, { field });
    out[l.name] = l.value;
  }
  return out;
};

type RuleRow = Awaited<ReturnType<PrismaClient['alertRule']['findFirstOrThrow']>>;

@Injectable()
export class AlertsService {
  private readonly audit: {
    rule: ReturnType<AuditService['recorderFor']>;
    silence: ReturnType<AuditService['recorderFor']>;
    window: ReturnType<AuditService['recorderFor']>;
  };

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AlertScheduler) private readonly scheduler: AlertScheduler,
    @Inject(AuditService) audit: AuditService,
  ) {
    this.audit = {
      rule: audit.recorderFor('AlertRule'),
      silence: audit.recorderFor('Silence'),
      window: audit.recorderFor('MaintenanceWindow'),
    };
  }

  metrics(): AlertMetricInfo[] {
    return ALERT_METRICS.map((m) => ({
      name: m.name,
      description: m.description,
      unit: m.unit,
      labels: Object.keys(m.labels('db')),
    }));
  }

  async rules(viewer: Viewer): Promise<AlertRule[]> {
    const rows = await this.prisma.alertRule.findMany({
      where: { tenantId: viewer.tenantId },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(toRule);
  }

  async rule(viewer: Viewer, id: string): Promise<AlertRule> {
    return toRule(await this.findRule(viewer, id));
  }

  async createRule(viewer: Viewer, input: AlertRuleInput, ctx: GqlContext): Promise<AlertRule> {
    requireAlertEditor(viewer, 'creating alert rules');
    const data = await this.ruleData(viewer, input);
    if (await this.prisma.alertRule.findFirst({ where: { tenantId: viewer.tenantId, name: input.name } }))
      throw apiError('CONFLICT', `an alert rule named ${input.name} exists`, { field: 'name' });
    const row = await this.prisma.alertRule.create({
      data: { ...data, tenantId: viewer.tenantId, createdBy: viewer.email },
    });
    await this.audit.rule(viewer, ctx, 'alertRule.create', row.id, null, auditView(row));
    await this.scheduler.schedule(row);
    return toRule(row);
  }

  async updateRule(viewer: Viewer, id: string, input: AlertRuleInput, ctx: GqlContext): Promise<AlertRule> {
    requireAlertEditor(viewer, 'changing alert rules');
    const before = await this.findRule(viewer, id);
    const data = await this.ruleData(viewer, input, id);
    const clash = await this.prisma.alertRule.findFirst({
      where: { tenantId: viewer.tenantId, name: input.name, id: { not: id } },
    });
    if (clash) throw apiError('CONFLICT', `an alert rule named ${input.name} exists`, { field: 'name' });
    const row = await this.prisma.alertRule.update({ where: { id: before.id }, data });
    await this.audit.rule(viewer, ctx, 'alertRule.update', id, auditView(before), auditView(row));
    await this.scheduler.schedule(row);
    return toRule(row);
  }

  async deleteRule(viewer: Viewer, id: string, ctx: GqlContext): Promise<boolean> {
    requireAlertEditor(viewer, 'deleting alert rules');
    const before = await this.findRule(viewer, id);
    await this.scheduler.unschedule(id);
    await this.prisma.alertRule.delete({ where: { id: before.id } });
    await this.audit.rule(viewer, ctx, 'alertRule.delete', id, auditView(before), null);
    return true;
  }

  async instances(viewer: Viewer, ruleId?: string, state?: string): Promise<AlertInstance[]> {
    const rows = await this.prisma.alertInstance.findMany({
      where: { tenantId: viewer.tenantId, ...(ruleId ? { ruleId } : {}), ...(state ? { state } : {}) },
      orderBy: [{ lastEvalAt: 'desc' }, { id: 'asc' }],
      take: 1000,
    });
    const visible = await alertVisibility(this.authz, viewer);
    return rows
      .filter((r) => visible(r.labels as Record<string, string>))
      .map((r) => ({
        id: r.id,
        ruleId: r.ruleId,
        fingerprint: r.fingerprint,
        labels: toLabels(r.labels),
        annotations: toLabels(r.annotations),
        state: r.state,
        value: r.value,
        activeAt: r.activeAt,
        firedAt: r.firedAt,
        resolvedAt: r.resolvedAt,
        lastEvalAt: r.lastEvalAt,
      }));
  }

  async history(viewer: Viewer, filter: AlertHistoryFilter): Promise<AlertHistoryEntry[]> {
    const rows = await this.prisma.alertHistory.findMany({
      where: { tenantId: viewer.tenantId, ...(filter.ruleId ? { ruleId: filter.ruleId } : {}) },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: filter.first,
    });
    const visible = await alertVisibility(this.authz, viewer);
    return rows
      .filter((r) => visible(r.labels as Record<string, string>))
      .map((r) => ({
        id: String(r.id),
        ruleId: r.ruleId,
        fingerprint: r.fingerprint,
        labels: toLabels(r.labels),
        fromState: r.fromState,
        toState: r.toState,
        value: r.value,
        at: r.at,
      }));
  }

  async silences(viewer: Viewer, includeExpired: boolean): Promise<Silence[]> {
    const now = new Date();
    const rows = await this.prisma.silence.findMany({
      where: { tenantId: viewer.tenantId, ...(includeExpired ? {} : { endsAt: { gt: now } }) },
      orderBy: { createdAt: 'desc' },
      take: 500,
    });
    return rows.map((r) => toSilence(r, now));
  }

  async createSilence(viewer: Viewer, input: CreateSilenceInput, ctx: GqlContext): Promise<Silence> {
    requireAlertEditor(viewer, 'creating silences');
    const now = new Date();
    const startsAt = input.startsAt ?? now;
    if (!(input.endsAt > startsAt) || input.endsAt <= now)
      throw apiError('BAD_USER_INPUT', 'endsAt must be after startsAt and in the future', { field: 'endsAt' });
    const row = await this.prisma.silence.create({
      data: {
        tenantId: viewer.tenantId,
        matchers: input.matchers.map((m) => ({ label: m.label, op: m.op, value: m.value })),
        startsAt,
        endsAt: input.endsAt,
        createdBy: viewer.email,
        comment: input.comment,
      },
    });
    await this.audit.silence(viewer, ctx, 'silence.create', row.id, null, {
      matchers: row.matchers,
      endsAt: row.endsAt,
    });
    return toSilence(row, now);
  }

  /** Ends a silence now (kept for the record, like Alertmanager's expire). */
  async expireSilence(viewer: Viewer, id: string, ctx: GqlContext): Promise<Silence> {
    requireAlertEditor(viewer, 'expiring silences');
    const before = await this.prisma.silence.findFirst({ where: { id, tenantId: viewer.tenantId } });
    if (!before) throw apiError('NOT_FOUND', 'no such silence', { field: 'id' });
    const now = new Date();
    const row = await this.prisma.silence.update({
      where: { id: before.id },
      data: {
        endsAt: before.endsAt > now ? now : before.endsAt,
        startsAt: before.startsAt > now ? now : before.startsAt,
      },
    });
    await this.audit.silence(viewer, ctx, 'silence.expire', id, { endsAt: before.endsAt }, { endsAt: row.endsAt });
    return toSilence(row, now);
  }

  async maintenanceWindows(viewer: Viewer): Promise<SilenceMaintenanceWindow[]> {
    const rows = await this.prisma.maintenanceWindow.findMany({
      where: { tenantId: viewer.tenantId },
      orderBy: { createdAt: 'asc' },
    });
    const now = new Date();
    return rows.map((r) => toWindow(r, now));
  }

  async createMaintenanceWindow(
    viewer: Viewer,
    input: CreateMaintenanceWindowInput,
    ctx: GqlContext,
  ): Promise<SilenceMaintenanceWindow> {
    requireAlertEditor(viewer, 'creating maintenance windows');
    if (input.recurrence === 'none' && !(input.endsAt && input.endsAt > input.startsAt))
      throw apiError('BAD_USER_INPUT', 'a one-off window needs endsAt after startsAt', { field: 'endsAt' });
    if (input.recurrence === 'weekly' && input.weekdays.length === 0)
      throw apiError('BAD_USER_INPUT', 'a weekly window needs weekdays', { field: 'weekdays' });
    const row = await this.prisma.maintenanceWindow.create({
      data: {
        tenantId: viewer.tenantId,
        name: input.name,
        matchers: input.matchers.map((m) => ({ label: m.label, op: m.op, value: m.value })),
        recurrence: input.recurrence,
        startsAt: input.startsAt,
        endsAt: input.endsAt ?? null,
        durationMinutes: input.durationMinutes,
        weekdays: input.weekdays,
        createdBy: viewer.email,
      },
    });
    await this.audit.window(viewer, ctx, 'maintenanceWindow.create', row.id, null, { name: row.name });
    return toWindow(row, new Date());
  }

  async deleteMaintenanceWindow(viewer: Viewer, id: string, ctx: GqlContext): Promise<boolean> {
    requireAlertEditor(viewer, 'deleting maintenance windows');
    const before = await this.prisma.maintenanceWindow.findFirst({ where: { id, tenantId: viewer.tenantId } });
    if (!before) throw apiError('NOT_FOUND', 'no such maintenance window', { field: 'id' });
    await this.prisma.maintenanceWindow.delete({ where: { id: before.id } });
    await this.audit.window(viewer, ctx, 'maintenanceWindow.delete', id, { name: before.name }, null);
    return true;
  }

  private async findRule(viewer: Viewer, id: string): Promise<RuleRow> {
    const row = await this.prisma.alertRule.findFirst({ where: { id, tenantId: viewer.tenantId } });
    if (!row) throw apiError('NOT_FOUND', 'no such alert rule', { field: 'id' });
    return row;
  }

  private async ruleData(viewer: Viewer, input: AlertRuleInput, id?: string) {
    // Rules evaluate the whole tenant's telemetry and notify whoever receives the webhook: someone whose
    // policies hide part of that telemetry must not be able to read it through a rule.
    if ((await this.authz.scopeTelemetry(viewer, new TenantQuery(viewer.tenantId))) !== 'all')
      throw apiError(
        'FORBIDDEN',
        'alert rules read all telemetry of the tenant; your policies restrict what telemetry you see',
        { action: 'create', resource: 'AlertRule' },
      );
    let forecast: ForecastRuleSpec | null = null;
    let metric = input.metric;
    if (input.kind === 'forecast') {
      forecast = checkForecastRule(input, viewer.tenantSlug);
      metric = `forecast:${forecast.metric}`;
      const others = await this.prisma.alertRule.count({
        where: { tenantId: viewer.tenantId, kind: 'forecast', ...(id ? { id: { not: id } } : {}) },
      });
      if (others >= MAX_FORECAST_RULES_PER_TENANT)
        throw apiError('BAD_USER_INPUT', `a tenant has at most ${MAX_FORECAST_RULES_PER_TENANT} forecast rules`, {
          field: 'kind',
        });
      if (forecast.target === EVERY_HOST && forecast.source === 'HOST') {
        const everyHost = await this.prisma.alertRule.count({
          where: {
            tenantId: viewer.tenantId,
            kind: 'forecast',
            forecast: { path: ['target'], equals: EVERY_HOST },
            ...(id ? { id: { not: id } } : {}),
          },
        });
        if (everyHost >= MAX_EVERY_HOST_RULES_PER_TENANT)
          throw apiError(
            'BAD_USER_INPUT',
            `a tenant has at most ${MAX_EVERY_HOST_RULES_PER_TENANT} every-host forecast rules`,
            { field: 'forecast.target' },
          );
      }
    } else {
      if (input.intervalSeconds > 60)
        throw apiError('BAD_USER_INPUT', 'threshold rules evaluate every 15–60 s', { field: 'intervalSeconds' });
      if (input.forecast) throw apiError('BAD_USER_INPUT', 'forecast settings need kind forecast', { field: 'kind' });
      checkMetricLabels(
        input.metric,
        input.filters.map((f) => f.label),
        'filters',
      );
      checkMetricLabels(input.metric, input.groupBy, 'groupBy');
      for (const f of input.filters) if (f.op === '=~' || f.op === '!~') await this.checkRegex(f.value);
    }
    if (input.destinationIds.length > 0) {
      const found = await this.prisma.webhookDestination.count({
        where: { tenantId: viewer.tenantId, id: { in: input.destinationIds } },
      });
      if (found !== new Set(input.destinationIds).size)
        throw apiError('BAD_USER_INPUT', 'unknown webhook destination', { field: 'destinationIds' });
    }
    return {
      name: input.name,
      kind: input.kind,
      metric,
      forecast: forecast === null ? Prisma.DbNull : (forecast as unknown as Prisma.InputJsonObject),
      filters: input.filters.map((f) => ({ label: f.label, op: f.op, value: f.value })),
      groupBy: input.groupBy,
      windowSeconds: input.windowSeconds,
      operator: input.operator,
      threshold: input.threshold,
      forSeconds: input.forSeconds,
      noData: input.noData,
      labels: fromLabels(input.labels, 'labels'),
      annotations: fromLabels(input.annotations, 'annotations'),
      intervalSeconds: input.intervalSeconds,
      notifyGroupBy: input.notifyGroupBy,
      groupWaitSeconds: input.groupWaitSeconds,
      groupIntervalSeconds: input.groupIntervalSeconds,
      repeatIntervalSeconds: input.repeatIntervalSeconds,
      destinationIds: [...new Set(input.destinationIds)],
      enabled: input.enabled,
    };
  }

  /** ClickHouse compiles the expression (RE2) with the value bound, so a bad one is refused now, not at 3 a.m. */
  private async checkRegex(pattern: string): Promise<void> {
    try {
      const rs = await this.ch.client.query({
        query: "SELECT match('', {re:String}) AS ok",
        query_params: { re: `^(?:${pattern})$` },
        format: 'JSONEachRow',
      });
      await rs.json();
    } catch (err) {
      throw apiError('BAD_USER_INPUT', `not a valid RE2 regular expression: ${(err as Error).message.slice(0, 200)}`, {
        field: 'filters',
      });
    }
  }
}

function toRule(r: RuleRow): AlertRule {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    metric: r.metric,
    forecast: (r.forecast ?? null) as AlertRule['forecast'],
    filters: r.filters as unknown as AlertRule['filters'],
    groupBy: r.groupBy,
    windowSeconds: r.windowSeconds,
    operator: r.operator,
    threshold: r.threshold,
    forSeconds: r.forSeconds,
    noData: r.noData,
    labels: toLabels(r.labels),
    annotations: toLabels(r.annotations),
    intervalSeconds: r.intervalSeconds,
    notifyGroupBy: r.notifyGroupBy,
    groupWaitSeconds: r.groupWaitSeconds,
    groupIntervalSeconds: r.groupIntervalSeconds,
    repeatIntervalSeconds: r.repeatIntervalSeconds,
    destinationIds: r.destinationIds,
    enabled: r.enabled,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function auditView(r: RuleRow): Record<string, unknown> {
  const { tenantId: _t, createdAt: _c, updatedAt: _u, ...rest } = r;
  return rest as Record<string, unknown>;
}

function toSilence(
  r: {
    id: string;
    matchers: unknown;
    startsAt: Date;
    endsAt: Date;
    createdBy: string;
    comment: string;
    createdAt: Date;
  },
  now: Date,
): Silence {
  return {
    id: r.id,
    matchers: r.matchers as LabelMatcher[],
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    createdBy: r.createdBy,
    comment: r.comment,
    createdAt: r.createdAt,
    active: r.startsAt <= now && now < r.endsAt,
  };
}

function toWindow(
  r: {
    id: string;
    name: string;
    matchers: unknown;
    recurrence: string;
    startsAt: Date;
    endsAt: Date | null;
    durationMinutes: number;
    weekdays: number[];
    createdBy: string;
  },
  now: Date,
): SilenceMaintenanceWindow {
  const matchers = r.matchers as LabelMatcher[];
  return { ...r, matchers, activeNow: inMaintenance({ ...r, matchers }, now) };
}
