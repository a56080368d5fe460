import { randomUUID } from 'node:crypto';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { PrismaClient } from '@bathyscope/db';
import type { Redis } from 'ioredis';
import { type AlertmanagerAlert, alertmanagerPayload, ZERO_TIME } from '../webhooks/alertmanager-payload.js';
import { fingerprint } from './fingerprint.js';
import { decideNotification, digestOf, firingIn, groupAlerts, notificationKey } from './grouping.js';
import { inAnyMaintenance, isSilenced, type LabelMatcher, type MaintenanceWindowSpec } from './matchers.js';
import { type LabelFilter, metricQuery } from './metric-catalogue.js';
import {
  type AlertState,
  compare,
  INITIAL_STATE,
  type NoDataPolicy,
  nextState,
  type Observation,
} from './state-machine.js';
import { renderTemplate } from './templating.js';

/** The rule columns evaluation reads. */
export interface EvaluatedRule {
  id: string;
  tenantId: number;
  name: string;
  kind: string;
  metric: string;
  filters: LabelFilter[];
  groupBy: string[];
  windowSeconds: number;
  operator: string;
  threshold: number;
  forSeconds: number;
  noData: NoDataPolicy;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  notifyGroupBy: string[];
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
  destinationIds: string[];
  /** Kind "forecast": the series and bound it watches (forecast-rules.ts). */
  forecast?: unknown;
}

/** One group's value at evaluation time. */
export interface GroupValue {
  labels: Record<string, string>;
  value: number;
  /** What the source knows beyond the value (a forecast's time to threshold); the rule's own templates win. */
  annotations?: Record<string, string>;
}

/**
 * Where a rule kind gets its values. `threshold` rules read the metric catalogue; other kinds (forecast-based
 * rules: "CPU reaches 80 % within 7 days") register their own source under their kind and reuse the whole
 * state machine, silencing, grouping and delivery below.
 */
export interface AlertConditionSource {
  observe(rule: EvaluatedRule, now: Date): Promise<GroupValue[]>;
}

/** Hands a notification to the webhook pipeline; same key → same delivery (see WebhooksService.enqueue). */
export type NotificationSink = (
  tenantId: number,
  destinationId: string,
  idempotencyKey: string,
  payload: ReturnType<typeof alertmanagerPayload>,
) => Promise<unknown>;

export class MetricConditionSource implements AlertConditionSource {
  constructor(private readonly ch: ClickHouseHandle) {}

  async observe(rule: EvaluatedRule, now: Date): Promise<GroupValue[]> {
    const q = metricQuery(this.ch.database, rule.tenantId, rule, now);
    const rs = await this.ch.client.query({ query: q.sql, query_params: q.params, format: 'JSONEachRow' });
    const rows = await rs.json<Record<string, unknown>>();
    return rows
      .map((r) => ({
        labels: Object.fromEntries(q.groupBy.map((l, i) => [l, String(r[`l${i}`] ?? '')])),
        value: Number(r.value),
      }))
      .filter((g) => Number.isFinite(g.value));
  }
}

const LOCK_MS = 60_000;

export interface EvaluationResult {
  outcome: 'evaluated' | 'busy' | 'gone';
  transitions: number;
  notifications: number;
}

/**
 * One evaluation of one rule: values → per-instance state machine (history row per transition) → notification
 * groups (silences and maintenance windows drop alerts from notifications, never from state) → deliveries.
 * Everything a later evaluation needs is in Postgres, so a restarted evaluator carries on where the last stopped;
 * a Redis lock keeps two evaluations of one rule from interleaving.
 */
export class AlertEvaluator {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly redis: Redis,
    private readonly sources: ReadonlyMap<string, AlertConditionSource>,
    private readonly notify: NotificationSink,
    private readonly externalUrl: string,
  ) {}

  async evaluate(ruleId: string, now = new Date()): Promise<EvaluationResult> {
    const lockKey = `alert-eval-lock:${ruleId}`;
    const token = randomUUID();
    if ((await this.redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK')
      return { outcome: 'busy', transitions: 0, notifications: 0 };
    try {
      return await this.evaluateLocked(ruleId, now);
    } finally {
      // Compare-and-delete: never release a lock that expired and was taken by another evaluation.
      await this.redis.eval(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
        1,
        lockKey,
        token,
      );
    }
  }

  private async evaluateLocked(ruleId: string, now: Date): Promise<EvaluationResult> {
    const row = await this.prisma.alertRule.findUnique({
      where: { id: ruleId },
      include: { tenant: { select: { slug: true } } },
    });
    if (!row?.enabled) return { outcome: 'gone', transitions: 0, notifications: 0 };
    const rule = row as unknown as EvaluatedRule & { tenant: { slug: string } };
    const source = this.sources.get(rule.kind);
    if (!source) throw new Error(`no condition source for rule kind ${rule.kind}`);

    const values = await source.observe(rule, now);
    const instances = await this.prisma.alertInstance.findMany({ where: { ruleId } });
    const byFingerprint = new Map(instances.map((i) => [i.fingerprint, i]));
    const alertLabels = (group: Record<string, string>) => ({ ...rule.labels, ...group, alertname: rule.name });

    // Grafana's reading of "no data": the query returned nothing at all. A group missing while others report is
    // simply not breaching (its series ended), which keeps ended series from sitting in NO_DATA forever.
    const observed = new Map<
      string,
      { labels: Record<string, string>; value: number | null; seen: Observation; annotations?: Record<string, string> }
    >();
    for (const g of values) {
      const labels = alertLabels(g.labels);
      const seen = compare(rule.operator, g.value, rule.threshold) ? 'met' : 'not_met';
      observed.set(fingerprint(labels), { labels, value: g.value, seen, annotations: g.annotations });
    }
    const noDataAtAll = values.length === 0;
    for (const i of instances) {
      if (!observed.has(i.fingerprint))
        observed.set(i.fingerprint, {
          labels: i.labels as Record<string, string>,
          value: null,
          seen: noDataAtAll ? 'no_data' : 'not_met',
        });
    }
    if (noDataAtAll && rule.groupBy.length === 0 && instances.length === 0) {
      const labels = alertLabels({});
      observed.set(fingerprint(labels), { labels, value: null, seen: 'no_data' });
    }

    let transitions = 0;
    const writes = [];
    for (const [fp, o] of observed) {
      const before = byFingerprint.get(fp);
      const current = before
        ? {
            state: before.state as AlertState,
            activeAt: before.activeAt,
            firedAt: before.firedAt,
            resolvedAt: before.resolvedAt,
          }
        : INITIAL_STATE;
      const next = nextState(current, o.seen, rule, now);
      const annotations = {
        ...o.annotations,
        ...Object.fromEntries(
          Object.entries(rule.annotations).map(([k, v]) => [k, renderTemplate(v, o.labels, o.value)]),
        ),
      };
      if (!before && next.state === 'inactive') continue;
      const data = { ...next, labels: o.labels, annotations, value: o.value, lastEvalAt: now };
      writes.push(
        this.prisma.alertInstance.upsert({
          where: { ruleId_fingerprint: { ruleId, fingerprint: fp } },
          create: { tenantId: rule.tenantId, ruleId, fingerprint: fp, ...data },
          update: data,
        }),
      );
      if (next.state !== current.state) {
        transitions++;
        writes.push(
          this.prisma.alertHistory.create({
            data: {
              tenantId: rule.tenantId,
              ruleId,
              fingerprint: fp,
              labels: o.labels,
              fromState: current.state,
              toState: next.state,
              value: o.value,
              at: now,
            },
          }),
        );
      }
    }
    await this.prisma.$transaction(writes);
    const notifications = await this.notifyGroups(rule, now);
    return { outcome: 'evaluated', transitions, notifications };
  }

  private async notifyGroups(rule: EvaluatedRule & { tenant: { slug: string } }, now: Date): Promise<number> {
    const [instances, groupRows, silences, windows, destinations] = await Promise.all([
      this.prisma.alertInstance.findMany({ where: { ruleId: rule.id } }),
      this.prisma.alertNotificationGroup.findMany({ where: { ruleId: rule.id } }),
      this.prisma.silence.findMany({ where: { tenantId: rule.tenantId, startsAt: { lte: now }, endsAt: { gt: now } } }),
      this.prisma.maintenanceWindow.findMany({ where: { tenantId: rule.tenantId } }),
      this.prisma.webhookDestination.findMany({
        where: { tenantId: rule.tenantId, id: { in: rule.destinationIds }, enabled: true },
        select: { id: true, name: true },
      }),
    ]);
    const previouslyFiring = new Set(groupRows.flatMap((g) => [...firingIn(g.lastDigest)]));
    const suppressed = (labels: Record<string, string>) =>
      isSilenced(silences as unknown as { matchers: LabelMatcher[]; startsAt: Date; endsAt: Date }[], labels, now) ||
      inAnyMaintenance(windows as unknown as MaintenanceWindowSpec[], labels, now);

    const alerts = instances
      .filter((i) => i.state === 'firing' || previouslyFiring.has(i.fingerprint))
      .map((i) => ({
        ...i,
        labels: i.labels as Record<string, string>,
        status: i.state === 'firing' ? 'firing' : 'resolved',
      }))
      .filter((a) => !suppressed(a.labels)) as (Omit<(typeof instances)[number], 'labels'> & {
      labels: Record<string, string>;
      status: 'firing' | 'resolved';
    })[];
    const groups = groupAlerts(rule.id, alerts, rule.notifyGroupBy);
    // A group that went quiet starts its next group_wait afresh.
    await this.prisma.alertNotificationGroup.updateMany({
      where: { ruleId: rule.id, groupKey: { notIn: groups.map((g) => g.groupKey) } },
      data: { firstSeenAt: now },
    });

    let sent = 0;
    for (const g of groups) {
      const state =
        groupRows.find((r) => r.groupKey === g.groupKey) ??
        (await this.prisma.alertNotificationGroup.upsert({
          where: { ruleId_groupKey: { ruleId: rule.id, groupKey: g.groupKey } },
          create: {
            tenantId: rule.tenantId,
            ruleId: rule.id,
            groupKey: g.groupKey,
            groupLabels: g.groupLabels,
            firstSeenAt: now,
          },
          update: {},
        }));
      const decision = decideNotification(g.alerts, state, rule, now);
      if (!decision.send) continue;
      const key = notificationKey(g.groupKey, decision.digest, state.lastNotifiedAt);
      const generatorURL = `${this.externalUrl}/t/${rule.tenant.slug}/alerts?rule=${encodeURIComponent(rule.id)}`;
      const amAlerts: AlertmanagerAlert[] = g.alerts.map((a) => ({
        status: a.status,
        labels: a.labels,
        annotations: a.annotations as Record<string, string>,
        startsAt: (a.firedAt ?? a.activeAt ?? now).toISOString(),
        endsAt: a.status === 'resolved' ? (a.resolvedAt ?? now).toISOString() : ZERO_TIME,
        generatorURL,
        fingerprint: a.fingerprint,
      }));
      for (const d of destinations) {
        const payload = alertmanagerPayload({
          groupKey: g.groupKey,
          receiver: d.name,
          groupLabels: g.groupLabels,
          externalURL: this.externalUrl,
          alerts: amAlerts,
        });
        await this.notify(rule.tenantId, d.id, key, payload);
      }
      // Only the alerts still firing stay in the digest: resolved ones have now been told and drop out.
      const firingDigest = digestOf(g.alerts.filter((a) => a.status === 'firing'));
      await this.prisma.alertNotificationGroup.updateMany({
        where: { id: state.id, lastDigest: state.lastDigest, lastNotifiedAt: state.lastNotifiedAt },
        data: { lastDigest: firingDigest, lastNotifiedAt: now },
      });
      sent++;
    }
    return sent;
  }
}
