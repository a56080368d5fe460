import { createHash } from 'node:crypto';
import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import type {
  ForecastBacktest,
  ForecastInput,
  ForecastResult,
  ForecastRunsOutFirstInput,
  ForecastStatus,
  ForecastThresholdCrossing,
} from './dto/forecast.types.js';
import {
  backtest,
  calibrated,
  chooseModel,
  type FitModel,
  fillHourly,
  isConstant,
  loadMstl,
  MIN_HISTORY_POINTS,
  type ModelChoice,
  type ModelForecast,
  type ThresholdDirection,
  timeToThreshold,
  valueAtHorizon,
} from './forecast-model.js';
import { type ForecastMetric, METRICS, SeriesReader, type SeriesWindow } from './series-sources.js';

const HOUR_MS = 3_600_000;
/**
 * Forecasts are computed on demand (a fit is ~0.1 s) and kept briefly: the console and a rule engine asking again
 * within the same minute get the same answer without refitting. The key holds what the caller may see, so one
 * viewer's policies never answer for another's.
 */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 500;
/** Hosts considered by forecastRunsOutFirst: each costs one fit. */
const MAX_HOSTS_RANKED = 50;

/** A metric in words, as summaries and alerts say it ("Disk use of db-1 reaches …"). */
export const METRIC_WORDS: Record<ForecastMetric, string> = {
  REQUEST_RATE: 'Request rate',
  CPU_PERCENT: 'CPU',
  MEMORY_PERCENT: 'Memory',
  DISK_PERCENT: 'Disk use',
  NETWORK_BYTES_PER_SECOND: 'Network traffic',
  INGEST_ROWS_PER_HOUR: 'Ingest',
  STORAGE_BYTES: 'Storage',
};

/** "9 days", "5 hours": the unit a person would say. */
export function humanDuration(hours: number): string {
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.round(hours / 24);
  return `${days} days`;
}

function formatValue(value: number, unit: string): string {
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return unit === '%' ? `${rounded} %` : `${rounded} ${unit}`;
}

export interface ForecastSpec {
  source: ForecastInput['source'];
  target: string;
  metric: ForecastMetric;
  horizonHours: number;
  intervalPercent: number;
  threshold: number | null;
  thresholdDirection: ThresholdDirection;
  historyDays: number;
}

/**
 * Capacity forecasts: reads an hourly series (series-sources.ts), fits seasonal + trend (forecast-model.ts), scores
 * a backtest and answers time to threshold. `forecast` is also the entry point for forecast-based alert rules:
 * with the result, `crossing` gives "reaches X within H hours" and `valueAt` "the forecast at H hours".
 */
@Injectable()
export class ForecastsService {
  private readonly reader: SeriesReader;
  private readonly cache = new Map<string, { at: number; result: Promise<ForecastResult> }>();

  constructor(
    @Inject(CLICKHOUSE) ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {
    this.reader = new SeriesReader(ch, authz);
  }

  /** Fills defaults and checks what class-validator cannot: the metric belongs to the source, a target is named. */
  static spec(input: ForecastInput, viewer: Viewer): ForecastSpec {
    const metric = METRICS[input.metric];
    if (metric.source !== input.source)
      throw apiError('BAD_USER_INPUT', `metric ${input.metric} is not a ${input.source} metric`, { field: 'metric' });
    const target = input.source === 'TENANT' ? viewer.tenantSlug : (input.target ?? '').trim();
    if (target === '')
      throw apiError('BAD_USER_INPUT', `a ${input.source.toLowerCase()} name is required`, { field: 'target' });
    return {
      source: input.source,
      target,
      metric: input.metric,
      horizonHours: input.horizonHours ?? 168,
      intervalPercent: input.intervalPercent ?? 95,
      threshold: input.threshold ?? null,
      thresholdDirection: input.thresholdDirection ?? 'RISING',
      historyDays: input.historyDays ?? 28,
    };
  }

  /**
   * `maxAgeMs`: how old a cached answer may be. Rule engines pass minutes (the series is hourly; the current hour
   * is never part of it), the console the default minute.
   */
  async forecast(
    viewer: Viewer,
    spec: ForecastSpec,
    now = Date.now(),
    maxAgeMs = CACHE_TTL_MS,
  ): Promise<ForecastResult> {
    const to = Math.floor(now / HOUR_MS) * HOUR_MS;
    const key = await this.cacheKey(viewer, spec, to);
    const hit = this.cache.get(key);
    if (hit && now - hit.at < maxAgeMs) return hit.result;
    const result = this.compute(viewer, spec, { from: to - spec.historyDays * 24 * HOUR_MS, to });
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { at: now, result });
    // A failed computation (bad input, database down) is not remembered.
    result.catch(() => this.cache.delete(key));
    return result;
  }

  /**
   * What a cached answer depends on: the tenant, what the caller may see (role, teams, API-key policy and the
   * tenant's policies as AuthzService currently holds them — a policy change makes a new key at once), the
   * question and the hour.
   */
  private async cacheKey(viewer: Viewer, spec: ForecastSpec, hour: number): Promise<string> {
    const { policies } = await this.authz.policiesOf(viewer.tenantId);
    const access = JSON.stringify([viewer.role, [...viewer.teamIds].sort(), viewer.apiKeyPolicyId ?? '', policies]);
    const accessHash = createHash('sha256').update(access).digest('base64url');
    return JSON.stringify([viewer.tenantId, accessHash, spec, hour]);
  }

  /** For rules: the crossing of `threshold` by a computed forecast (null when there is no forecast). */
  static crossing(result: ForecastResult): ForecastThresholdCrossing | null {
    return result.thresholdCrossing;
  }

  /** For rules: the forecast `hours` ahead (null when there is no forecast that far). */
  static valueAt(result: ForecastResult, hours: number): { point: number; lower: number; upper: number } | null {
    return valueAtHorizon(
      {
        point: result.points.map((p) => p.value),
        lower: result.points.map((p) => p.lower),
        upper: result.points.map((p) => p.upper),
      },
      hours,
    );
  }

  /** Names of the hosts (at most `limit`, by name) the viewer sees with metrics in the last `historyDays` days. */
  async hostNames(viewer: Viewer, historyDays: number, now: number, limit: number): Promise<string[]> {
    const to = Math.floor(now / HOUR_MS) * HOUR_MS;
    return this.reader.hostNames(viewer, { from: to - historyDays * 24 * HOUR_MS, to }, limit);
  }

  /** Hosts ranked by when the point forecast reaches `threshold` (soonest first; never-crossing last, left out). */
  async runsOutFirst(viewer: Viewer, input: ForecastRunsOutFirstInput): Promise<ForecastResult[]> {
    if (METRICS[input.metric].source !== 'HOST')
      throw apiError('BAD_USER_INPUT', `metric ${input.metric} is not a HOST metric`, { field: 'metric' });
    const historyDays = 28;
    const hosts = await this.hostNames(viewer, historyDays, Date.now(), MAX_HOSTS_RANKED);
    const results: ForecastResult[] = [];
    for (const host of hosts) {
      const r = await this.forecast(viewer, {
        source: 'HOST',
        target: host,
        metric: input.metric,
        horizonHours: input.horizonHours ?? 168,
        intervalPercent: 95,
        threshold: input.threshold,
        thresholdDirection: 'RISING',
        historyDays,
      });
      const c = r.thresholdCrossing;
      if (c && (c.alreadyCrossed || c.hours !== null)) results.push(r);
    }
    const soon = (r: ForecastResult) =>
      r.thresholdCrossing?.alreadyCrossed ? -1 : (r.thresholdCrossing?.hours ?? Number.POSITIVE_INFINITY);
    return results.sort((a, b) => soon(a) - soon(b)).slice(0, input.first ?? 5);
  }

  private async compute(viewer: Viewer, spec: ForecastSpec, window: SeriesWindow): Promise<ForecastResult> {
    const metric = METRICS[spec.metric];
    const observed = await this.reader.read(viewer, { metric: spec.metric, target: spec.target, window });
    if (observed === null || (observed.size === 0 && spec.source !== 'TENANT')) {
      throw apiError(
        'NOT_FOUND',
        `no ${spec.source.toLowerCase()} named "${spec.target}" with data in the last ${spec.historyDays} days`,
        { field: 'target' },
      );
    }
    const count = Math.round((window.to - window.from) / HOUR_MS);
    const filled = fillHourly(observed, window.from, count, HOUR_MS, metric.gaps);
    const values = filled.values;
    const history = values.map((value, i) => ({ time: new Date(filled.start + i * HOUR_MS), value }));
    const base = {
      source: spec.source,
      target: spec.target,
      metric: spec.metric,
      unit: metric.unit,
      stepSeconds: 3600,
      history,
      missingHistoryPoints: filled.missing,
      intervalPercent: spec.intervalPercent,
    };
    if (values.length < MIN_HISTORY_POINTS) {
      return {
        ...base,
        status: 'NOT_ENOUGH_HISTORY',
        message: `not enough history: ${values.length} of the ${MIN_HISTORY_POINTS} hours a daily-seasonal model needs`,
        seasonalPeriodsHours: [],
        points: [],
        backtest: null,
        thresholdCrossing: null,
        fitMs: 0,
      };
    }
    const started = performance.now();
    const constant = isConstant(values);
    const choice: ModelChoice = constant
      ? { periods: [], fit: flatModel, backtest: null, scores: [] }
      : chooseModel(await loadMstl(), values, spec.horizonHours);
    // Intervals scaled by what the chosen model's backtest saw (split-conformal, see conformalFactor).
    const fit = calibrated(choice.fit, choice.scores);
    const clamp = (v: number) => Math.min(metric.max ?? Number.POSITIVE_INFINITY, Math.max(metric.min, v));
    const raw = fit(values, spec.horizonHours, spec.intervalPercent / 100);
    const forecast: ModelForecast = {
      point: raw.point.map(clamp),
      lower: raw.lower.map(clamp),
      upper: raw.upper.map(clamp),
    };
    const errors = constant ? backtest(fit, values, spec.horizonHours) : choice.backtest;
    const fitMs = performance.now() - started;
    const start = window.to;
    const at = (step: number | null) => (step === null ? null : new Date(start + (step - 1) * HOUR_MS));
    const status: ForecastStatus = constant ? 'CONSTANT' : 'OK';
    return {
      ...base,
      status,
      message: constant
        ? 'the history does not vary: the forecast is that value'
        : `fitted on ${values.length} hours${filled.missing ? ` (${filled.missing} missing, filled)` : ''}`,
      seasonalPeriodsHours: choice.periods,
      points: forecast.point.map((value, i) => ({
        time: new Date(start + i * HOUR_MS),
        value,
        lower: forecast.lower[i] as number,
        upper: forecast.upper[i] as number,
      })),
      backtest: errors satisfies ForecastBacktest | null,
      thresholdCrossing:
        spec.threshold === null
          ? null
          : crossingOf(spec, metric.unit, values.at(-1) as number, forecast, spec.threshold, at),
      fitMs,
    };
  }
}

const flatModel: FitModel = (history, horizon) => {
  const v = history.at(-1) as number;
  const flat = new Array<number>(horizon).fill(v);
  return { point: flat, lower: flat, upper: flat };
};

function crossingOf(
  spec: ForecastSpec,
  unit: string,
  lastValue: number,
  forecast: ModelForecast,
  threshold: number,
  at: (step: number | null) => Date | null,
): ForecastThresholdCrossing {
  const c = timeToThreshold(lastValue, forecast, threshold, spec.thresholdDirection);
  const what = METRIC_WORDS[spec.metric];
  const verb = c.direction === 'RISING' ? 'reaches' : 'falls to';
  const limit = formatValue(threshold, unit);
  let summary: string;
  if (c.alreadyCrossed)
    summary = `${what} is already ${c.direction === 'RISING' ? 'at or above' : 'at or below'} ${limit}`;
  else if (c.pointStep !== null) {
    summary = `${what} ${verb} ${limit} in ${humanDuration(c.pointStep)}`;
    if (c.earliestStep !== null && c.earliestStep !== c.pointStep)
      summary += ` (possibly in ${humanDuration(c.earliestStep)} at ${spec.intervalPercent} %)`;
  } else if (c.earliestStep !== null)
    summary = `${what} is not expected to reach ${limit} within ${humanDuration(spec.horizonHours)}, but might in ${humanDuration(c.earliestStep)} (${spec.intervalPercent} % interval)`;
  else summary = `${what} does not reach ${limit} within ${humanDuration(spec.horizonHours)}`;
  return {
    threshold,
    direction: c.direction,
    alreadyCrossed: c.alreadyCrossed,
    at: at(c.pointStep),
    hours: c.pointStep,
    earliestAt: at(c.earliestStep),
    latestAt: at(c.latestStep),
    summary,
  };
}
