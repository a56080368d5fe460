import { describe, expect, it } from 'vitest';
import { apiError } from '../../graphql-errors.js';
import type { ForecastResult } from '../forecasts/dto/forecast.types.js';
import type { EvaluatedRule } from './alert-evaluator.js';
import {
  checkForecastRule,
  EVERY_HOST,
  FORECAST_FIT_REUSE_MS,
  ForecastConditionSource,
  forecastLabels,
  MAX_HOSTS_PER_FORECAST_RULE,
} from './forecast-rules.js';

const HOUR = 3_600_000;
const now = new Date('2026-03-02T10:20:00Z');
const start = Date.parse('2026-03-02T10:00:00Z');

/** A forecast answer as ForecastsService gives it: history ending at 70, a line rising 1/h with a ±5 band. */
function result(over: Partial<ForecastResult> = {}): ForecastResult {
  return {
    source: 'HOST',
    target: 'db-1',
    metric: 'DISK_PERCENT',
    unit: '%',
    status: 'OK',
    message: '',
    seasonalPeriodsHours: [24],
    stepSeconds: 3600,
    history: [{ time: new Date(start - HOUR), value: 70 }],
    missingHistoryPoints: 0,
    points: Array.from({ length: 72 }, (_, i) => ({
      time: new Date(start + i * HOUR),
      value: 71 + i,
      lower: 66 + i,
      upper: 76 + i,
    })),
    intervalPercent: 95,
    backtest: { holdoutPoints: 72, mape: 1.234, smape: 1.2, mae: 0.87 },
    thresholdCrossing: null,
    fitMs: 1,
    ...over,
  };
}

function rule(over: Partial<EvaluatedRule> & { forecast?: unknown } = {}): EvaluatedRule {
  return {
    id: 'r1',
    tenantId: 7,
    name: 'disk',
    kind: 'forecast',
    metric: 'forecast:DISK_PERCENT',
    filters: [],
    groupBy: [],
    windowSeconds: 60,
    operator: '>=',
    threshold: 90,
    forSeconds: 0,
    noData: 'ok',
    labels: {},
    annotations: {},
    notifyGroupBy: [],
    groupWaitSeconds: 0,
    groupIntervalSeconds: 0,
    repeatIntervalSeconds: 3600,
    destinationIds: [],
    forecast: {
      source: 'HOST',
      target: 'db-1',
      metric: 'DISK_PERCENT',
      horizonHours: 72,
      bound: 'POINT',
      historyDays: 28,
    },
    ...over,
  };
}

/** ForecastsService's `forecast` and `hostNames` answering from a table, recording what they were asked. */
function forecasts(answer: (spec: { target: string }) => ForecastResult, hosts: string[] = []) {
  const calls: { tenantId: number; role: string; spec: unknown; maxAgeMs: number | undefined }[] = [];
  const hostCalls: { tenantId: number; historyDays: number; limit: number }[] = [];
  return {
    calls,
    hostCalls,
    forecast: async (
      viewer: { tenantId: number; role: string },
      spec: { target: string },
      _now?: number,
      maxAgeMs?: number,
    ) => {
      calls.push({ tenantId: viewer.tenantId, role: viewer.role, spec, maxAgeMs });
      return answer(spec);
    },
    hostNames: async (viewer: { tenantId: number }, historyDays: number, _now: number, limit: number) => {
      hostCalls.push({ tenantId: viewer.tenantId, historyDays, limit });
      return hosts;
    },
  };
}

describe('forecast rules', () => {
  it('compares the highest point of the forecast and says when it crosses', async () => {
    const f = forecasts(() => result());
    const [g] = await new ForecastConditionSource(f as never).observe(rule(), now);
    // 71 + 71 = 142 at the last step; 90 is first reached at step 20 (71 + 19).
    expect(g?.value).toBe(142);
    expect(g?.labels).toEqual({ forecast_metric: 'DISK_PERCENT', host: 'db-1' });
    expect(g?.annotations).toMatchObject({
      time_to_threshold: '20 hours',
      time_to_threshold_hours: '20',
      threshold_crossing_at: new Date(start + 19 * HOUR).toISOString(),
      backtest_mape_percent: '1.2',
      backtest_mae: '0.9 %',
      backtest_holdout_hours: '72',
    });
    expect(g?.annotations?.forecast_summary).toBe(
      'Disk use of db-1: the forecast reaches 90 % in 20 hours (2026-03-03T05:00:00.000Z)',
    );
    // Its own tenant, whole-tenant scope, no threshold in the fit (shared by rules on the series), reused 5 min.
    expect(f.calls[0]).toMatchObject({ tenantId: 7, role: 'owner', maxAgeMs: FORECAST_FIT_REUSE_MS });
    expect(f.calls[0]?.spec).toMatchObject({ threshold: null, horizonHours: 72, intervalPercent: 95 });
  });

  it('reads the pessimistic bound the rule chose, per direction', async () => {
    const source = new ForecastConditionSource(forecasts(() => result()) as never);
    const upper = rule({ forecast: { ...(rule().forecast as object), bound: 'INTERVAL_95' } });
    const [u] = await source.observe(upper, now);
    expect(u?.annotations?.time_to_threshold_hours).toBe('15');
    expect(u?.annotations?.forecast_summary).toContain('the 95 % upper bound reaches 90 %');
    // A floor: "falls to 60 within 72 h" — the lower bound starts at 66 and only rises: never.
    const floor = rule({ operator: '<=', threshold: 60, forecast: upper.forecast });
    const [l] = await source.observe(floor, now);
    expect(l?.value).toBe(66);
    expect(l?.annotations?.time_to_threshold).toBe('not within horizon');
  });

  it('counts an already crossed threshold, and strict operators do not fire on touching', async () => {
    const source = new ForecastConditionSource(forecasts(() => result()) as never);
    const [a] = await source.observe(rule({ threshold: 65 }), now);
    expect(a?.annotations?.time_to_threshold).toBe('already crossed');
    const flat = new ForecastConditionSource(
      forecasts(() =>
        result({ points: result().points.map((p) => ({ ...p, value: 90, lower: 90, upper: 90 })) }),
      ) as never,
    );
    const [t] = await flat.observe(rule({ operator: '>', threshold: 90 }), now);
    expect(t?.annotations?.time_to_threshold).toBe('not within horizon');
  });

  it('sees no data for an unknown series or too short a history, so the no-data policy decides', async () => {
    const missing = new ForecastConditionSource(
      forecasts(() => {
        throw apiError('NOT_FOUND', 'no host');
      }) as never,
    );
    expect(await missing.observe(rule(), now)).toEqual([]);
    const short = new ForecastConditionSource(
      forecasts(() => result({ status: 'NOT_ENOUGH_HISTORY', points: [] })) as never,
    );
    expect(await short.observe(rule(), now)).toEqual([]);
    const broken = new ForecastConditionSource(
      forecasts(() => {
        throw new Error('ClickHouse is down');
      }) as never,
    );
    await expect(broken.observe(rule(), now)).rejects.toThrow('ClickHouse is down');
  });

  it('watches every host of its tenant as one alert per host, skipping hosts without a forecast', async () => {
    const f = forecasts(
      (spec) => {
        if (spec.target === 'gone') throw apiError('NOT_FOUND', 'no host');
        if (spec.target === 'new') return result({ status: 'NOT_ENOUGH_HISTORY', points: [] });
        // web-2's disk is flat at 50: it is evaluated (a group) but below the threshold.
        const flat = spec.target === 'web-2';
        return result({
          target: spec.target,
          points: result().points.map((p) => (flat ? { ...p, value: 50, lower: 45, upper: 55 } : p)),
        });
      },
      ['db-1', 'gone', 'new', 'web-2'],
    );
    const every = rule({ forecast: { ...(rule().forecast as object), target: EVERY_HOST } });
    const groups = await new ForecastConditionSource(f as never).observe(every, now);
    expect(groups.map((g) => [g.labels, g.value])).toEqual([
      [{ forecast_metric: 'DISK_PERCENT', host: 'db-1' }, 142],
      [{ forecast_metric: 'DISK_PERCENT', host: 'web-2' }, 70],
    ]);
    expect(groups[0]?.annotations?.forecast_summary).toMatch(/^Disk use of db-1: the forecast reaches 90 %/);
    expect(groups[1]?.annotations?.time_to_threshold).toBe('not within horizon');
    // Hosts of the rule's own tenant, over the rule's history, bounded; every fit reused like a single rule's.
    expect(f.hostCalls).toEqual([{ tenantId: 7, historyDays: 28, limit: MAX_HOSTS_PER_FORECAST_RULE }]);
    expect(f.calls.map((c) => [c.tenantId, (c.spec as { target: string }).target, c.maxAgeMs])).toEqual(
      ['db-1', 'gone', 'new', 'web-2'].map((h) => [7, h, FORECAST_FIT_REUSE_MS]),
    );
    // No host at all: no data, for the rule's no-data policy.
    expect(await new ForecastConditionSource(forecasts(() => result()) as never).observe(every, now)).toEqual([]);
  });

  it('checks forecast settings and names the field at fault', () => {
    const input = {
      operator: '>=',
      filters: [],
      groupBy: [],
      intervalSeconds: 300,
      forecast: { source: 'HOST' as const, target: 'db-1', metric: 'DISK_PERCENT' as const },
    };
    expect(checkForecastRule(input, 'acme')).toEqual({
      source: 'HOST',
      target: 'db-1',
      metric: 'DISK_PERCENT',
      horizonHours: 72,
      bound: 'POINT',
      historyDays: 28,
    });
    expect(
      checkForecastRule({ ...input, forecast: { source: 'TENANT', target: 'other', metric: 'STORAGE_BYTES' } }, 'acme')
        .target,
    ).toBe('acme');
    const field = (over: Record<string, unknown>) => {
      try {
        checkForecastRule({ ...input, ...over } as never, 'acme');
        return null;
      } catch (err) {
        return (err as { extensions: { field: string } }).extensions.field;
      }
    };
    expect(field({ forecast: null })).toBe('forecast');
    expect(field({ forecast: { source: 'HOST', target: 'x', metric: 'REQUEST_RATE' } })).toBe('forecast.metric');
    expect(field({ forecast: { source: 'SERVICE', target: '', metric: 'REQUEST_RATE' } })).toBe('forecast.target');
    expect(field({ operator: '!=' })).toBe('operator');
    expect(field({ filters: [{}] })).toBe('filters');
    expect(field({ groupBy: ['host'] })).toBe('groupBy');
    expect(checkForecastRule({ ...input, forecast: { ...input.forecast, target: ' * ' } }, 'acme').target).toBe('*');
    expect(field({ forecast: { source: 'SERVICE', target: '*', metric: 'REQUEST_RATE' } })).toBe('forecast.target');
    expect(field({ intervalSeconds: 15 })).toBe('intervalSeconds');
    expect(forecastLabels({ ...checkForecastRule(input, 'acme'), source: 'TENANT' })).toEqual({
      forecast_metric: 'DISK_PERCENT',
    });
  });
});
