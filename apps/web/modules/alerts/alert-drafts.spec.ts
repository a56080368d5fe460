import { describe, expect, it } from 'vitest';
import {
  buildDestinationInput,
  buildRuleInput,
  buildSilenceInput,
  buildWindowInput,
  describeWatched,
  EMPTY_RULE_DRAFT,
  fieldOf,
  notificationSettings,
  parseMatchers,
  parsePairs,
  ruleFieldOf,
  ruleToDraft,
  ruleToInput,
} from './alert-drafts';
import type { AlertRule } from './alerts.queries';

const labelsOf = (metric: string) => (metric === 'http_error_rate' ? ['service', 'endpoint', 'namespace'] : undefined);

describe('alert drafts', () => {
  it('reads matchers with every operator, and refuses others', () => {
    expect(
      parseMatchers('service = checkout\nnamespace!~test-.*\n\n endpoint =~ /api/.*', ['=', '!=', '=~', '!~']),
    ).toEqual({
      matchers: [
        { label: 'service', op: '=', value: 'checkout' },
        { label: 'namespace', op: '!~', value: 'test-.*' },
        { label: 'endpoint', op: '=~', value: '/api/.*' },
      ],
    });
    expect(parseMatchers('service=~x', ['=', '!='])).toEqual({
      error: 'Line 1: write label = or != value, e.g. service=checkout.',
    });
    expect(parseMatchers("1abc=x'; DROP TABLE", ['='])).toHaveProperty('error');
  });

  it('reads name=value pairs and refuses duplicates and bad names', () => {
    expect(parsePairs('severity=page\nsummary = {{ $value }} errors', 'labels')).toEqual({
      pairs: [
        { name: 'severity', value: 'page' },
        { name: 'summary', value: '{{ $value }} errors' },
      ],
    });
    expect(parsePairs('a=1\na=2', 'labels')).toEqual({ error: 'Line 2: a is given twice.' });
    expect(parsePairs('no equals', 'labels')).toEqual({ error: 'Line 1: write labels as name=value.' });
  });

  it('builds a rule input and says what is wrong per field', () => {
    const draft = {
      ...EMPTY_RULE_DRAFT,
      name: ' High errors ',
      metric: 'http_error_rate',
      filters: 'service=checkout',
      groupBy: 'service, endpoint',
      threshold: '0.05',
      forSeconds: '120',
      labels: 'severity=page',
    };
    const built = buildRuleInput(draft, labelsOf);
    expect(built).toEqual({
      ok: true,
      value: expect.objectContaining({
        name: 'High errors',
        threshold: 0.05,
        forSeconds: 120,
        groupBy: ['service', 'endpoint'],
        filters: [{ label: 'service', op: '=', value: 'checkout' }],
        labels: [{ name: 'severity', value: 'page' }],
      }),
    });
    const bad = buildRuleInput(
      { ...draft, name: '', threshold: 'x', intervalSeconds: '5', groupBy: 'pod', metric: 'http_error_rate' },
      labelsOf,
    );
    expect(bad).toEqual({
      ok: false,
      errors: {
        name: 'Enter a name for the rule.',
        groupBy: 'http_error_rate has no label pod; it has service, endpoint, namespace.',
        threshold: 'Enter a number.',
        intervalSeconds: '15 to 60 seconds.',
      },
    });
    expect(
      buildRuleInput({ ...draft, metric: 'prometheus:node_load1', groupBy: 'instance', filters: '' }, labelsOf).ok,
    ).toBe(true);
    expect(buildRuleInput({ ...draft, metric: 'nope' }, labelsOf)).toMatchObject({
      ok: false,
      errors: { metric: expect.any(String) },
    });
  });

  it('round-trips a rule through the form and back to an input', () => {
    const rule: AlertRule = {
      id: 'r1',
      name: 'r',
      kind: 'threshold',
      metric: 'http_error_rate',
      forecast: null,
      filters: [{ label: 'service', op: '!=', value: 'a' }],
      groupBy: ['service'],
      windowSeconds: 120,
      operator: '>=',
      threshold: 3,
      forSeconds: 60,
      noData: 'ok',
      labels: [{ name: 'team', value: 'x' }],
      annotations: [{ name: 'summary', value: 'v={{ $value }}' }],
      intervalSeconds: 15,
      notifyGroupBy: [],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 60,
      repeatIntervalSeconds: 14_400,
      destinationIds: ['d1'],
      enabled: false,
      createdBy: 'u',
      createdAt: '',
      updatedAt: '',
    };
    const built = buildRuleInput(ruleToDraft(rule), labelsOf);
    expect(built.ok && { ...notificationSettings(rule), ...built.value }).toEqual(ruleToInput(rule));
    // Grouping the form does not show survives an update.
    expect(ruleToInput({ ...rule, notifyGroupBy: ['service'], repeatIntervalSeconds: 600 })).toMatchObject({
      notifyGroupBy: ['service'],
      repeatIntervalSeconds: 600,
    });
  });

  it('builds a forecast rule, round-trips it, and checks what only forecast rules need', () => {
    const draft = {
      ...EMPTY_RULE_DRAFT,
      name: 'disk fills',
      kind: 'forecast',
      forecastMetric: 'DISK_PERCENT',
      forecastTarget: ' db-1 ',
      horizonHours: '72',
      bound: 'INTERVAL_95',
      operator: '>=',
      threshold: '90',
      intervalSeconds: '300',
      // Threshold-only fields left over from the draft do not leak into a forecast rule.
      metric: 'cpu_usage',
      filters: 'service=x',
      groupBy: 'service',
    };
    const built = buildRuleInput(draft, labelsOf);
    expect(built).toMatchObject({
      ok: true,
      value: {
        kind: 'forecast',
        metric: '',
        forecast: {
          source: 'HOST',
          target: 'db-1',
          metric: 'DISK_PERCENT',
          horizonHours: 72,
          bound: 'INTERVAL_95',
          historyDays: 28,
        },
        filters: [],
        groupBy: [],
        operator: '>=',
        threshold: 90,
        intervalSeconds: 300,
      },
    });
    if (!built.ok) throw new Error('not built');
    const rule: AlertRule = {
      ...built.value,
      id: 'r2',
      metric: 'forecast:DISK_PERCENT',
      forecast: built.value.forecast,
      notifyGroupBy: [],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 60,
      repeatIntervalSeconds: 14_400,
      createdBy: 'u',
      createdAt: '',
      updatedAt: '',
    };
    const again = buildRuleInput(ruleToDraft(rule), labelsOf);
    expect(again.ok && { ...notificationSettings(rule), ...again.value }).toEqual(ruleToInput(rule));
    expect(describeWatched(rule)).toBe('Disk use (%) of host db-1: 95 % bound within 72 h');
    expect(
      describeWatched({ ...rule, forecast: { ...(rule.forecast as NonNullable<typeof rule.forecast>), target: '*' } }),
    ).toBe('Disk use (%) of every host: 95 % bound within 72 h');

    const errorsOf = (over: Partial<typeof draft>) => {
      const r = buildRuleInput({ ...draft, ...over }, labelsOf);
      return r.ok ? {} : r.errors;
    };
    expect(errorsOf({ forecastTarget: '' })).toEqual({ forecastTarget: 'Enter the host name.' });
    expect(errorsOf({ forecastMetric: 'REQUEST_RATE', forecastTarget: '' })).toEqual({
      forecastTarget: 'Enter the service name.',
    });
    // Every host: one alert per host; services are named one by one.
    expect(errorsOf({ forecastTarget: '*' })).toEqual({});
    expect(errorsOf({ forecastMetric: 'REQUEST_RATE', forecastTarget: '*' })).toEqual({
      forecastTarget: 'Name one service.',
    });
    // The tenant's own series need no name.
    expect(errorsOf({ forecastMetric: 'STORAGE_BYTES', forecastTarget: '' })).toEqual({});
    expect(errorsOf({ operator: '==' })).toHaveProperty('operator');
    expect(errorsOf({ intervalSeconds: '30' })).toEqual({ intervalSeconds: '60 to 3,600 seconds.' });
    expect(errorsOf({ horizonHours: '0' })).toEqual({ horizonHours: '1 to 720 hours.' });
    expect(errorsOf({ forecastMetric: 'NOPE' })).toHaveProperty('forecastMetric');
    expect(ruleFieldOf('forecast.target', ['forecastTarget'])).toBe('forecastTarget');
    expect(ruleFieldOf('forecast.metric', ['forecastMetric'])).toBe('forecastMetric');
    expect(ruleFieldOf('filters[0].value', ['filters'])).toBe('filters');
  });

  it('checks silences: matchers required, end after start and in the future', () => {
    const now = new Date('2026-01-01T10:00:00Z');
    expect(buildSilenceInput({ matchers: '', startsAt: '', endsAt: '', comment: '' }, now)).toEqual({
      ok: false,
      errors: {
        matchers: 'Add at least one matcher, e.g. alertname=HighErrors.',
        endsAt: 'Enter when the silence ends.',
      },
    });
    expect(
      buildSilenceInput({ matchers: 'alertname=X', startsAt: '', endsAt: '2025-12-31T10:00', comment: '' }, now),
    ).toMatchObject({ ok: false, errors: { endsAt: 'The end must be after the start and in the future.' } });
    const ok = buildSilenceInput(
      { matchers: 'alertname=X', startsAt: '', endsAt: '2026-01-02T10:00', comment: ' c ' },
      now,
    );
    expect(ok).toMatchObject({
      ok: true,
      value: { matchers: [{ label: 'alertname', op: '=', value: 'X' }], comment: 'c' },
    });
    expect(ok.ok && 'startsAt' in ok.value).toBe(false);
  });

  it('checks destinations: an http(s) URL and limits', () => {
    expect(buildDestinationInput({ name: 'd', url: 'ftp://x', maxAttempts: '0', timeoutMs: '10' })).toEqual({
      ok: false,
      errors: { url: 'Enter an http:// or https:// URL.', maxAttempts: '1 to 20.', timeoutMs: '500 to 30,000 ms.' },
    });
    expect(buildDestinationInput({ name: 'd', url: 'http://10.0.0.1/x', maxAttempts: '3', timeoutMs: '1000' })).toEqual(
      {
        ok: true,
        value: { name: 'd', url: 'http://10.0.0.1/x', maxAttempts: 3, timeoutMs: 1000 },
      },
    );
  });

  it('maps the API field to the form field', () => {
    expect(fieldOf('filters[0].value', ['filters', 'name'] as const)).toBe('filters');
    expect(fieldOf('url', ['name', 'url'] as const)).toBe('url');
    expect(fieldOf('kind', ['name'] as const)).toBeUndefined();
    expect(fieldOf(undefined, ['name'] as const)).toBeUndefined();
  });
});

describe('maintenance window drafts', () => {
  const base = {
    name: 'nightly',
    matchers: '',
    recurrence: 'none',
    startsAt: '2026-01-01T02:00',
    endsAt: '',
    durationMinutes: '60',
    weekdays: [] as number[],
  };
  it('needs an end for a one-off window and days for a weekly one', () => {
    expect(buildWindowInput(base)).toEqual({ ok: false, errors: { endsAt: 'A one-off window needs an end.' } });
    expect(buildWindowInput({ ...base, recurrence: 'weekly' })).toEqual({
      ok: false,
      errors: { weekdays: 'Choose at least one day.' },
    });
    expect(buildWindowInput({ ...base, endsAt: '2026-01-01T01:00' })).toMatchObject({
      ok: false,
      errors: { endsAt: 'The end must be after the start.' },
    });
  });
  it('builds a recurring window over every alert when no matcher is given', () => {
    const built = buildWindowInput({ ...base, recurrence: 'weekly', weekdays: [5, 1], durationMinutes: '90' });
    expect(built).toMatchObject({
      ok: true,
      value: { name: 'nightly', matchers: [], recurrence: 'weekly', durationMinutes: 90, weekdays: [1, 5] },
    });
  });
});
