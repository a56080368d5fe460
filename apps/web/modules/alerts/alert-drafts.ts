// Form drafts of rules, silences and destinations, and their checks before the API sees them. Pure functions, so
// they are tested without a browser; the API checks everything again.

import type { ForecastMetric, ForecastSource } from '../forecasts/forecasts.queries';
import { METRICS_BY_SOURCE } from '../forecasts/forecast-spec';
import {
  ALERT_OPERATORS,
  FILTER_OPS,
  FORECAST_BOUNDS,
  FORECAST_OPERATORS,
  INTERVAL_LIMITS,
  MATCHER_OPS,
  NO_DATA_POLICIES,
  RECURRENCES,
} from './alert-options';
import type {
  AlertForecast,
  AlertLabel,
  AlertLabelFilter,
  AlertRule,
  AlertRuleInput,
  CreateMaintenanceWindowInput,
  CreateSilenceInput,
  DestinationInput,
} from './alerts.queries';

/** A host forecast rule's target that watches every host, one alert each (the API's EVERY_HOST). */
export const EVERY_HOST = '*';

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export type Checked<T, F extends string> = { ok: true; value: T } | { ok: false; errors: Partial<Record<F, string>> };

/** "name=value" per line, as labels and annotations are typed; blank lines are skipped. */
export function parsePairs(text: string, what: string): { pairs: AlertLabel[] } | { error: string } {
  const pairs: AlertLabel[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !LABEL_NAME.test(name)) return { error: `Line ${index + 1}: write ${what} as name=value.` };
    if (pairs.some((pair) => pair.name === name)) return { error: `Line ${index + 1}: ${name} is given twice.` };
    pairs.push({ name, value: line.slice(eq + 1).trim() });
  }
  return { pairs };
}

/**
 * "label op value" per line, e.g. `service = checkout` or `namespace !~ test-.*`; `ops` are the operators allowed
 * (longest first, so "!=" is not read as "=" after a name ending in "!").
 */
export function parseMatchers(
  text: string,
  ops: readonly string[],
): { matchers: AlertLabelFilter[] } | { error: string } {
  const byLength = [...ops].sort((a, b) => b.length - a.length);
  const matchers: AlertLabelFilter[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*([!=~]{1,2})\s*(.*)$/.exec(line);
    const op = match === null ? undefined : byLength.find((candidate) => candidate === match[2]);
    if (match === null || op === undefined)
      return { error: `Line ${index + 1}: write label ${ops.join(' or ')} value, e.g. service=checkout.` };
    matchers.push({ label: match[1] as string, op, value: (match[3] as string).trim() });
  }
  return { matchers };
}

export const formatMatcher = (m: AlertLabelFilter): string => `${m.label}${m.op}${m.value}`;
const formatPair = (p: AlertLabel): string => `${p.name}=${p.value}`;

export interface RuleDraft {
  name: string;
  /** threshold or forecast. */
  kind: string;
  metric: string;
  /** Forecast rules: a ForecastMetric (its source follows from it), the host or service, hours ahead, the line. */
  forecastMetric: string;
  forecastTarget: string;
  horizonHours: string;
  bound: string;
  filters: string;
  groupBy: string;
  operator: string;
  threshold: string;
  windowSeconds: string;
  forSeconds: string;
  intervalSeconds: string;
  noData: string;
  labels: string;
  annotations: string;
  destinationIds: string[];
  enabled: boolean;
}

export type RuleField = Exclude<keyof RuleDraft, 'enabled'>;

export const EMPTY_RULE_DRAFT: RuleDraft = {
  name: '',
  kind: 'threshold',
  metric: '',
  forecastMetric: 'DISK_PERCENT',
  forecastTarget: '',
  horizonHours: '72',
  bound: 'POINT',
  filters: '',
  groupBy: '',
  operator: '>',
  threshold: '',
  windowSeconds: '60',
  forSeconds: '0',
  intervalSeconds: '30',
  noData: 'no_data',
  labels: '',
  annotations: '',
  destinationIds: [],
  enabled: true,
};

/** The source a forecast metric belongs to (each metric has exactly one). */
export function forecastSourceOf(metric: string): ForecastSource | undefined {
  for (const [source, metrics] of Object.entries(METRICS_BY_SOURCE))
    if (metrics.some((m) => m.metric === metric)) return source as ForecastSource;
  return undefined;
}

/** The days of history forecast rules fit on (the forecasts page's default). */
const HISTORY_DAYS = 28;

export function ruleToDraft(rule: AlertRule): RuleDraft {
  const f = rule.forecast;
  return {
    name: rule.name,
    kind: rule.kind,
    metric: rule.kind === 'forecast' ? '' : rule.metric,
    forecastMetric: f?.metric ?? EMPTY_RULE_DRAFT.forecastMetric,
    forecastTarget: f && f.source !== 'TENANT' ? f.target : '',
    horizonHours: String(f?.horizonHours ?? EMPTY_RULE_DRAFT.horizonHours),
    bound: f?.bound ?? EMPTY_RULE_DRAFT.bound,
    filters: rule.filters.map(formatMatcher).join('\n'),
    groupBy: rule.groupBy.join(', '),
    operator: rule.operator,
    threshold: String(rule.threshold),
    windowSeconds: String(rule.windowSeconds),
    forSeconds: String(rule.forSeconds),
    intervalSeconds: String(rule.intervalSeconds),
    noData: rule.noData,
    labels: rule.labels.map(formatPair).join('\n'),
    annotations: rule.annotations.map(formatPair).join('\n'),
    destinationIds: rule.destinationIds,
    enabled: rule.enabled,
  };
}

/** The rule's notification grouping, which an update must carry or the API resets it to its defaults. */
export function notificationSettings(
  rule: AlertRule,
): Pick<AlertRuleInput, 'notifyGroupBy' | 'groupWaitSeconds' | 'groupIntervalSeconds' | 'repeatIntervalSeconds'> {
  return {
    notifyGroupBy: rule.notifyGroupBy,
    groupWaitSeconds: rule.groupWaitSeconds,
    groupIntervalSeconds: rule.groupIntervalSeconds,
    repeatIntervalSeconds: rule.repeatIntervalSeconds,
  };
}

/** A rule as the API takes it again, e.g. to enable or disable it (an update replaces the whole rule). */
export function ruleToInput(rule: AlertRule): AlertRuleInput {
  const f = rule.forecast;
  return {
    name: rule.name,
    kind: rule.kind,
    metric: rule.kind === 'forecast' ? '' : rule.metric,
    forecast:
      f === null
        ? null
        : {
            source: f.source,
            target: f.target,
            metric: f.metric,
            horizonHours: f.horizonHours,
            bound: f.bound,
            historyDays: f.historyDays,
          },
    filters: rule.filters.map(({ label, op, value }) => ({ label, op, value })),
    groupBy: rule.groupBy,
    windowSeconds: rule.windowSeconds,
    operator: rule.operator,
    threshold: rule.threshold,
    forSeconds: rule.forSeconds,
    noData: rule.noData,
    labels: rule.labels.map(({ name, value }) => ({ name, value })),
    annotations: rule.annotations.map(({ name, value }) => ({ name, value })),
    intervalSeconds: rule.intervalSeconds,
    destinationIds: rule.destinationIds,
    enabled: rule.enabled,
    ...notificationSettings(rule),
  };
}

function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** The draft as an AlertRuleInput, or what is wrong with each field. `labelsOf` gives a known metric's labels. */
export function buildRuleInput(
  draft: RuleDraft,
  labelsOf: (metric: string) => readonly string[] | undefined,
): Checked<AlertRuleInput, RuleField> {
  const errors: Partial<Record<RuleField, string>> = {};
  const name = draft.name.trim();
  if (name === '') errors.name = 'Enter a name for the rule.';
  else if (name.length > 100) errors.name = 'At most 100 characters.';
  const forecastKind = draft.kind === 'forecast';
  if (draft.kind !== 'threshold' && !forecastKind) errors.kind = 'Choose a kind of rule.';

  const metric = draft.metric.trim();
  let filters: ReturnType<typeof parseMatchers> = { matchers: [] };
  let groupBy: string[] = [];
  let forecast: AlertForecast | null = null;
  if (forecastKind) {
    const source = forecastSourceOf(draft.forecastMetric);
    const target = draft.forecastTarget.trim();
    if (source === undefined) errors.forecastMetric = 'Choose what to forecast.';
    else if (source !== 'TENANT' && target === '')
      errors.forecastTarget = `Enter the ${source === 'HOST' ? 'host' : 'service'} name.`;
    else if (target.length > 253) errors.forecastTarget = 'At most 253 characters.';
    else if (source === 'SERVICE' && target === EVERY_HOST) errors.forecastTarget = 'Name one service.';
    const horizonHours = wholeNumber(draft.horizonHours, 1, 720);
    if (horizonHours === undefined) errors.horizonHours = '1 to 720 hours.';
    if (!(FORECAST_BOUNDS as readonly string[]).includes(draft.bound)) errors.bound = 'Choose a forecast line.';
    if (!(FORECAST_OPERATORS as readonly string[]).includes(draft.operator))
      errors.operator = 'Forecast rules compare with >, >=, < or <=.';
    if (source !== undefined && horizonHours !== undefined)
      forecast = {
        source,
        target: source === 'TENANT' ? '' : target,
        metric: draft.forecastMetric as ForecastMetric,
        horizonHours,
        bound: draft.bound,
        historyDays: HISTORY_DAYS,
      };
  } else {
    const known = labelsOf(metric);
    if (metric === '') errors.metric = 'Choose a metric.';
    else if (known === undefined && !/^prometheus:[A-Za-z_:][A-Za-z0-9_:]*$/.test(metric))
      errors.metric = 'Choose a metric from the list, or write prometheus:<metric name>.';

    filters = parseMatchers(draft.filters, FILTER_OPS);
    if ('error' in filters) errors.filters = filters.error;
    groupBy = draft.groupBy
      .split(',')
      .map((label) => label.trim())
      .filter((label) => label !== '');
    const badGroup = groupBy.find((label) => !LABEL_NAME.test(label));
    if (badGroup !== undefined) errors.groupBy = `“${badGroup}” is not a label name.`;
    else if (known !== undefined) {
      const unknown = [...groupBy, ...('matchers' in filters ? filters.matchers.map((f) => f.label) : [])].find(
        (label) => !known.includes(label),
      );
      if (unknown !== undefined) {
        const message = `${metric} has no label ${unknown}; it has ${known.join(', ') || 'none'}.`;
        if (groupBy.includes(unknown)) errors.groupBy = message;
        else errors.filters = message;
      }
    }
    if (!(ALERT_OPERATORS as readonly string[]).includes(draft.operator)) errors.operator = 'Choose an operator.';
  }

  const threshold = Number(draft.threshold);
  if (draft.threshold.trim() === '' || !Number.isFinite(threshold)) errors.threshold = 'Enter a number.';
  const windowSeconds = forecastKind ? 60 : wholeNumber(draft.windowSeconds, 15, 86_400);
  if (windowSeconds === undefined) errors.windowSeconds = '15 to 86,400 seconds.';
  const forSeconds = wholeNumber(draft.forSeconds, 0, 86_400);
  if (forSeconds === undefined) errors.forSeconds = '0 to 86,400 seconds.';
  const [minInterval, maxInterval] = INTERVAL_LIMITS[forecastKind ? 'forecast' : 'threshold'];
  const intervalSeconds = wholeNumber(draft.intervalSeconds, minInterval, maxInterval);
  if (intervalSeconds === undefined)
    errors.intervalSeconds = `${minInterval} to ${maxInterval.toLocaleString('en')} seconds.`;
  if (!(NO_DATA_POLICIES as readonly string[]).includes(draft.noData)) errors.noData = 'Choose what no data means.';
  const labels = parsePairs(draft.labels, 'labels');
  if ('error' in labels) errors.labels = labels.error;
  const annotations = parsePairs(draft.annotations, 'annotations');
  if ('error' in annotations) errors.annotations = annotations.error;

  if (
    Object.keys(errors).length > 0 ||
    'error' in filters ||
    'error' in labels ||
    'error' in annotations ||
    windowSeconds === undefined ||
    forSeconds === undefined ||
    intervalSeconds === undefined
  )
    return { ok: false, errors };
  return {
    ok: true,
    value: {
      name,
      kind: forecastKind ? 'forecast' : 'threshold',
      metric: forecastKind ? '' : metric,
      forecast,
      filters: filters.matchers,
      groupBy,
      windowSeconds,
      operator: draft.operator,
      threshold,
      forSeconds,
      noData: draft.noData,
      labels: labels.pairs,
      annotations: annotations.pairs,
      intervalSeconds,
      destinationIds: draft.destinationIds,
      enabled: draft.enabled,
    },
  };
}

/**
 * Maps a field the API blamed to the rule form's field: `forecast.target` → forecastTarget, `filters[0].value` →
 * filters.
 */
export function ruleFieldOf(blamed: string | undefined, fields: readonly RuleField[]): RuleField | undefined {
  if (blamed === 'forecast.target') return 'forecastTarget';
  if (blamed === 'forecast.horizonHours') return 'horizonHours';
  if (blamed === 'forecast.bound') return 'bound';
  if (blamed === 'forecast' || blamed?.startsWith('forecast.')) return 'forecastMetric';
  return fieldOf(blamed, fields);
}

/** What a rule watches, in words: its metric, or "forecast of DISK_PERCENT of host db-1 within 72 h (POINT)". */
export function describeWatched(rule: Pick<AlertRule, 'kind' | 'metric' | 'forecast'>): string {
  const f = rule.forecast;
  if (rule.kind !== 'forecast' || f === null) return rule.metric;
  const label = METRICS_BY_SOURCE[f.source].find((m) => m.metric === f.metric)?.label ?? f.metric;
  const of =
    f.source === 'TENANT'
      ? 'this tenant'
      : f.source === 'HOST' && f.target === EVERY_HOST
        ? 'every host'
        : `${f.source === 'HOST' ? 'host' : 'service'} ${f.target}`;
  const line = f.bound === 'POINT' ? 'forecast' : `${f.bound === 'INTERVAL_80' ? 80 : 95} % bound`;
  return `${label} of ${of}: ${line} within ${f.horizonHours} h`;
}

export interface SilenceDraft {
  matchers: string;
  /** `<input type="datetime-local">` values, local time; an empty start is now. */
  startsAt: string;
  endsAt: string;
  comment: string;
}

export type SilenceField = keyof SilenceDraft;

export function buildSilenceInput(draft: SilenceDraft, now: Date): Checked<CreateSilenceInput, SilenceField> {
  const errors: Partial<Record<SilenceField, string>> = {};
  const matchers = parseMatchers(draft.matchers, MATCHER_OPS);
  if ('error' in matchers) errors.matchers = matchers.error;
  else if (matchers.matchers.length === 0) errors.matchers = 'Add at least one matcher, e.g. alertname=HighErrors.';
  const startsAt = draft.startsAt === '' ? undefined : new Date(draft.startsAt);
  if (startsAt !== undefined && Number.isNaN(startsAt.getTime())) errors.startsAt = 'Enter a date and time.';
  const endsAt = new Date(draft.endsAt);
  if (draft.endsAt === '' || Number.isNaN(endsAt.getTime())) errors.endsAt = 'Enter when the silence ends.';
  else if (endsAt.getTime() <= Math.max(now.getTime(), startsAt?.getTime() ?? 0))
    errors.endsAt = 'The end must be after the start and in the future.';
  if (draft.comment.length > 1000) errors.comment = 'At most 1,000 characters.';
  if (Object.keys(errors).length > 0 || 'error' in matchers) return { ok: false, errors };
  return {
    ok: true,
    value: {
      matchers: matchers.matchers,
      ...(startsAt === undefined ? {} : { startsAt: startsAt.toISOString() }),
      endsAt: endsAt.toISOString(),
      comment: draft.comment.trim(),
    },
  };
}

export interface DestinationDraft {
  name: string;
  url: string;
  maxAttempts: string;
  timeoutMs: string;
}

export type DestinationField = keyof DestinationDraft;

export const EMPTY_DESTINATION_DRAFT: DestinationDraft = { name: '', url: '', maxAttempts: '8', timeoutMs: '10000' };

/** Only the URL's form is checked here; whether its host is allowed (SSRF) only the API can say. */
export function buildDestinationInput(draft: DestinationDraft): Checked<DestinationInput, DestinationField> {
  const errors: Partial<Record<DestinationField, string>> = {};
  const name = draft.name.trim();
  if (name === '') errors.name = 'Enter a name for the destination.';
  else if (name.length > 100) errors.name = 'At most 100 characters.';
  const url = draft.url.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    errors.url = 'Enter an http:// or https:// URL.';
  else if (url.length > 2048) errors.url = 'At most 2,048 characters.';
  const maxAttempts = wholeNumber(draft.maxAttempts, 1, 20);
  if (maxAttempts === undefined) errors.maxAttempts = '1 to 20.';
  const timeoutMs = wholeNumber(draft.timeoutMs, 500, 30_000);
  if (timeoutMs === undefined) errors.timeoutMs = '500 to 30,000 ms.';
  if (Object.keys(errors).length > 0 || maxAttempts === undefined || timeoutMs === undefined)
    return { ok: false, errors };
  return { ok: true, value: { name, url, maxAttempts, timeoutMs } };
}

/** `> 5` as the list shows a rule's condition, with its window, e.g. "http_error_rate > 0.05 for 2 min". */
export function describeCondition(rule: Pick<AlertRule, 'operator' | 'threshold' | 'forSeconds'>): string {
  const base = `${rule.operator} ${rule.threshold}`;
  return rule.forSeconds > 0 ? `${base} for ${formatSeconds(rule.forSeconds)}` : base;
}

export function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Maps a field the API blamed (`extensions.field`) to a form field, e.g. `filters[0].value` → `filters`. */
export function fieldOf<F extends string>(blamed: string | undefined, fields: readonly F[]): F | undefined {
  if (blamed === undefined) return undefined;
  const head = blamed.split(/[.[]/)[0];
  return fields.find((field) => field === head);
}

export interface WindowDraft {
  name: string;
  /** May be empty: the window then covers every alert of the tenant. */
  matchers: string;
  recurrence: string;
  /** `datetime-local` values, local time. */
  startsAt: string;
  endsAt: string;
  durationMinutes: string;
  weekdays: number[];
}

export type WindowField = keyof WindowDraft;

/** One-off windows run from start to end; recurring ones repeat the start's time of day for their duration. */
export function buildWindowInput(draft: WindowDraft): Checked<CreateMaintenanceWindowInput, WindowField> {
  const errors: Partial<Record<WindowField, string>> = {};
  const name = draft.name.trim();
  if (name === '') errors.name = 'Enter a name for the window.';
  else if (name.length > 100) errors.name = 'At most 100 characters.';
  const matchers = parseMatchers(draft.matchers, MATCHER_OPS);
  if ('error' in matchers) errors.matchers = matchers.error;
  if (!(RECURRENCES as readonly string[]).includes(draft.recurrence)) errors.recurrence = 'Choose how it repeats.';
  const startsAt = new Date(draft.startsAt);
  if (draft.startsAt === '' || Number.isNaN(startsAt.getTime())) errors.startsAt = 'Enter when it starts.';
  const endsAt = draft.endsAt === '' ? undefined : new Date(draft.endsAt);
  if (endsAt !== undefined && Number.isNaN(endsAt.getTime())) errors.endsAt = 'Enter a date and time.';
  else if (draft.recurrence === 'none' && endsAt === undefined) errors.endsAt = 'A one-off window needs an end.';
  else if (endsAt !== undefined && errors.startsAt === undefined && endsAt <= startsAt)
    errors.endsAt = 'The end must be after the start.';
  const durationMinutes = wholeNumber(draft.durationMinutes, 1, 10_080);
  if (draft.recurrence !== 'none' && durationMinutes === undefined) errors.durationMinutes = '1 to 10,080 minutes.';
  if (draft.recurrence === 'weekly' && draft.weekdays.length === 0) errors.weekdays = 'Choose at least one day.';
  if (Object.keys(errors).length > 0 || 'error' in matchers) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name,
      matchers: matchers.matchers,
      recurrence: draft.recurrence,
      startsAt: startsAt.toISOString(),
      ...(endsAt === undefined ? {} : { endsAt: endsAt.toISOString() }),
      durationMinutes: durationMinutes ?? 60,
      weekdays: draft.recurrence === 'weekly' ? [...draft.weekdays].sort() : [],
    },
  };
}
