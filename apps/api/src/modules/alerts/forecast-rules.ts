import type { GraphQLError } from 'graphql';
import { apiError } from '../../graphql-errors.js';
import type { Viewer } from '../auth/viewer.js';
import {
  type ForecastSpec,
  type ForecastsService,
  humanDuration,
  METRIC_WORDS,
} from '../forecasts/forecasts.service.js';
import {
  FORECAST_METRICS,
  FORECAST_SOURCES,
  type ForecastMetric,
  type ForecastSource,
  METRICS,
} from '../forecasts/series-sources.js';
import type { AlertConditionSource, EvaluatedRule, GroupValue } from './alert-evaluator.js';
import { compare } from './state-machine.js';

/**
 * Forecast-based alert rules: "fires when the forecast of a series (its point, or the pessimistic bound of its
 * 80 or 95 % interval) reaches the threshold within the next H hours" — e.g. disk reaches 90 % within 3 days.
 * The value a rule compares is the extreme of the chosen forecast line over the horizon (the highest for > and
 * >=, the lowest for < and <=), or the last observed value if that is already past it; so the state machine,
 * silences, grouping and webhooks treat it exactly like a threshold rule's value.
 */

export const FORECAST_BOUNDS = ['POINT', 'INTERVAL_80', 'INTERVAL_95'] as const;
export type ForecastBound = (typeof FORECAST_BOUNDS)[number];

/** What a forecast rule stores (AlertRule.forecast). */
export interface ForecastRuleSpec {
  source: ForecastSource;
  /** Service or host name; the tenant's slug for TENANT; EVERY_HOST for every host of the tenant. */
  target: string;
  metric: ForecastMetric;
  horizonHours: number;
  bound: ForecastBound;
  historyDays: number;
}

export const FORECAST_OPERATORS = ['>', '>=', '<', '<='] as const;
/** Forecast rules evaluate at most once a minute: a fit is ~0.1–0.5 s of CPU, and hourly series change slowly. */
export const FORECAST_INTERVAL = { min: 60, max: 3600 } as const;
/** A fit is reused this long (per tenant and series): evaluations in between cost a cache lookup. */
export const FORECAST_FIT_REUSE_MS = 5 * 60_000;
/** Keeps the fits per tenant bounded: each rule costs at most one fit per FORECAST_FIT_REUSE_MS. */
export const MAX_FORECAST_RULES_PER_TENANT = 50;
/**
 * The target of a HOST rule that watches every host of the tenant, each host its own alert (like a threshold rule
 * grouped by host): "any disk that fills within 3 days".
 */
export const EVERY_HOST = '*';
/** An every-host rule forecasts at most this many hosts (by name); each host is one fit per FORECAST_FIT_REUSE_MS. */
export const MAX_HOSTS_PER_FORECAST_RULE = 25;
/** With MAX_HOSTS_PER_FORECAST_RULE, bounds a tenant's every-host fits (5 × 25 every 5 minutes at the most). */
export const MAX_EVERY_HOST_RULES_PER_TENANT = 5;

const bad = (message: string, field: string): GraphQLError => apiError('BAD_USER_INPUT', message, { field });

/** Checks a rule's forecast settings (what class-validator cannot) and fills the target of TENANT rules. */
export function checkForecastRule(
  input: {
    operator: string;
    filters: readonly unknown[];
    groupBy: readonly string[];
    intervalSeconds: number;
    forecast?: Partial<ForecastRuleSpec> | null;
  },
  tenantSlug: string,
): ForecastRuleSpec {
  const f = input.forecast;
  if (!f) throw bad('a forecast rule needs its forecast settings', 'forecast');
  if (!f.source || !(FORECAST_SOURCES as readonly string[]).includes(f.source))
    throw bad('unknown forecast source', 'forecast.source');
  if (!f.metric || !(FORECAST_METRICS as readonly string[]).includes(f.metric))
    throw bad('unknown forecast metric', 'forecast.metric');
  if (METRICS[f.metric].source !== f.source)
    throw bad(`metric ${f.metric} is not a ${f.source} metric`, 'forecast.metric');
  const target = f.source === 'TENANT' ? tenantSlug : (f.target ?? '').trim();
  if (target === '') throw bad(`a ${f.source.toLowerCase()} name is required`, 'forecast.target');
  if (target === EVERY_HOST && f.source !== 'HOST')
    throw bad(
      `"${EVERY_HOST}" (every host) is for host metrics; name the ${f.source.toLowerCase()}`,
      'forecast.target',
    );
  if (!(FORECAST_OPERATORS as readonly string[]).includes(input.operator))
    throw bad('forecast rules compare with >, >=, < or <=', 'operator');
  if (input.filters.length > 0) throw bad('forecast rules have no label filters: name the series', 'filters');
  if (input.groupBy.length > 0)
    throw bad(`forecast rules have no groupBy: name one series, or every host with "${EVERY_HOST}"`, 'groupBy');
  if (input.intervalSeconds < FORECAST_INTERVAL.min || input.intervalSeconds > FORECAST_INTERVAL.max)
    throw bad(
      `forecast rules evaluate every ${FORECAST_INTERVAL.min}–${FORECAST_INTERVAL.max} s (a fit is reused for ${FORECAST_FIT_REUSE_MS / 60_000} minutes)`,
      'intervalSeconds',
    );
  return {
    source: f.source,
    target,
    metric: f.metric,
    horizonHours: f.horizonHours ?? 72,
    bound: f.bound ?? 'POINT',
    historyDays: f.historyDays ?? 28,
  };
}

/** The labels an alert of a forecast rule carries: which series it speaks of (`spec.target` a single series). */
export function forecastLabels(spec: ForecastRuleSpec): Record<string, string> {
  const labels: Record<string, string> = { forecast_metric: spec.metric };
  if (spec.source === 'HOST') labels.host = spec.target;
  if (spec.source === 'SERVICE') labels.service = spec.target;
  return labels;
}

/**
 * Rules are not people: a rule reads its tenant's telemetry the way threshold rules do (whole tenant, as the
 * owner role; only editors whose policies allow all telemetry may create one), and only its own tenant's.
 */
function ruleViewer(rule: EvaluatedRule & { tenant?: { slug: string } }): Viewer {
  return {
    userId: `alert-rule:${rule.id}`,
    email: `alert-rule:${rule.id}`,
    role: 'owner',
    tenantId: rule.tenantId,
    tenantSlug: rule.tenant?.slug ?? '',
    tenantName: '',
    teamIds: [],
  };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

export class ForecastConditionSource implements AlertConditionSource {
  constructor(private readonly forecasts: Pick<ForecastsService, 'forecast' | 'hostNames'>) {}

  async observe(rule: EvaluatedRule & { forecast?: unknown; tenant?: { slug: string } }, now: Date) {
    const spec = rule.forecast as ForecastRuleSpec | null | undefined;
    if (!spec) throw new Error(`forecast rule ${rule.id} has no forecast settings`);
    const viewer = ruleViewer(rule);
    if (spec.source !== 'HOST' || spec.target !== EVERY_HOST) {
      const group = await this.observeSeries(rule, spec, viewer, now);
      return group ? [group] : [];
    }
    // Every host with metrics in the history the rule looks at, in its own tenant only (the viewer is the rule's).
    const hosts = await this.forecasts.hostNames(viewer, spec.historyDays, now.getTime(), MAX_HOSTS_PER_FORECAST_RULE);
    const groups: GroupValue[] = [];
    for (const host of hosts) {
      const group = await this.observeSeries(rule, { ...spec, target: host }, viewer, now);
      if (group) groups.push(group);
    }
    return groups;
  }

  /** One series: its alert value and annotations, or null when it has no forecast (unknown, too short a history). */
  private async observeSeries(
    rule: EvaluatedRule,
    spec: ForecastRuleSpec,
    viewer: Viewer,
    now: Date,
  ): Promise<GroupValue | null> {
    const rising = rule.operator === '>' || rule.operator === '>=';
    const forecastSpec: ForecastSpec = {
      source: spec.source,
      target: spec.target,
      metric: spec.metric,
      horizonHours: spec.horizonHours,
      intervalPercent: spec.bound === 'INTERVAL_80' ? 80 : 95,
      // The threshold is not part of the fit: rules with other thresholds on the same series share it.
      threshold: null,
      thresholdDirection: rising ? 'RISING' : 'FALLING',
      historyDays: spec.historyDays,
    };
    let result: Awaited<ReturnType<ForecastsService['forecast']>>;
    try {
      result = await this.forecasts.forecast(viewer, forecastSpec, now.getTime(), FORECAST_FIT_REUSE_MS);
    } catch (err) {
      // No such series (or none with data in the history): the rule's no-data policy decides.
      if ((err as GraphQLError).extensions?.code === 'NOT_FOUND') return null;
      throw err;
    }
    if (result.status === 'NOT_ENOUGH_HISTORY' || result.points.length === 0) return null;
    const line =
      spec.bound === 'POINT'
        ? result.points.map((p) => p.value)
        : result.points.map((p) => (rising ? p.upper : p.lower));
    const last = result.history.at(-1)?.value ?? (line[0] as number);
    const value = rising ? Math.max(last, ...line) : Math.min(last, ...line);
    // The rule's own operator decides what a crossing is (a strict > is not reached by touching the threshold).
    const past = (v: number) => compare(rule.operator, v, rule.threshold);
    const alreadyCrossed = past(last);
    const idx = alreadyCrossed ? -1 : line.findIndex(past);
    const step = idx < 0 ? null : idx + 1;
    const unit = result.unit;
    const what = `${METRIC_WORDS[spec.metric]}${spec.source === 'TENANT' ? '' : ` of ${spec.target}`}`;
    const boundWords =
      spec.bound === 'POINT' ? 'forecast' : `${result.intervalPercent} % ${rising ? 'upper' : 'lower'} bound`;
    const limit = `${fmt(rule.threshold)} ${unit}`;
    const at = step === null ? null : (result.points[step - 1]?.time ?? null);
    let summary: string;
    if (alreadyCrossed) summary = `${what} is already ${rising ? 'above' : 'below'} ${limit} (${fmt(last)} ${unit})`;
    else if (step !== null && at)
      summary = `${what}: the ${boundWords} ${rising ? 'reaches' : 'falls to'} ${limit} in ${humanDuration(step)} (${at.toISOString()})`;
    else
      summary = `${what}: the ${boundWords} stays ${rising ? 'below' : 'above'} ${limit} for ${humanDuration(spec.horizonHours)} (extreme ${fmt(value)} ${unit})`;
    const bt = result.backtest;
    const annotations: Record<string, string> = {
      forecast_summary: summary,
      time_to_threshold: alreadyCrossed
        ? 'already crossed'
        : step === null
          ? 'not within horizon'
          : humanDuration(step),
      time_to_threshold_hours: alreadyCrossed ? '0' : step === null ? '' : String(step),
      threshold_crossing_at: alreadyCrossed ? now.toISOString() : (at?.toISOString() ?? ''),
      forecast_bound: spec.bound,
      forecast_horizon_hours: String(spec.horizonHours),
      backtest_mape_percent: bt?.mape == null ? '' : fmt(bt.mape),
      backtest_mae: bt ? `${fmt(bt.mae)} ${unit}` : '',
      backtest_holdout_hours: bt ? String(bt.holdoutPoints) : '',
      forecast_model: modelWords({ status: result.status, seasonalPeriodsHours: result.seasonalPeriodsHours }),
    };
    return { labels: forecastLabels(spec), value, annotations };
  }
}

function modelWords(m: { status: string; seasonalPeriodsHours: number[] }): string {
  if (m.status === 'CONSTANT') return 'constant history: flat forecast';
  return `MSTL (${m.seasonalPeriodsHours.map((p) => (p === 24 ? 'daily' : p === 168 ? 'weekly' : `${p} h`)).join(' + ')}) + ETS trend, conformal intervals`;
}
