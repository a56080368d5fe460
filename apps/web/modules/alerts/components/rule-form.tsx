'use client';

import { type FormEvent, type JSX, useEffect, useRef, useState } from 'react';
import { type ActionError, blamedField } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { HORIZONS, METRICS_BY_SOURCE, SOURCE_LABELS } from '../../forecasts/forecast-spec';
import type { ForecastSource } from '../../forecasts/forecasts.queries';
import {
  buildRuleInput,
  EMPTY_RULE_DRAFT,
  forecastSourceOf,
  type RuleDraft,
  type RuleField,
  ruleFieldOf,
  ruleToDraft,
} from '../alert-drafts';
import { ALERT_OPERATORS, FORECAST_BOUNDS, FORECAST_OPERATORS, NO_DATA_POLICIES } from '../alert-options';
import type { AlertMetricInfo, AlertRule, AlertRuleInput, WebhookDestination } from '../alerts.queries';
import styles from '../alerts.module.css';

const FIELD_ORDER: readonly RuleField[] = [
  'name',
  'kind',
  'metric',
  'forecastMetric',
  'forecastTarget',
  'horizonHours',
  'bound',
  'filters',
  'groupBy',
  'operator',
  'threshold',
  'windowSeconds',
  'forSeconds',
  'intervalSeconds',
  'noData',
  'labels',
  'annotations',
  'destinationIds',
];

const NO_DATA_LABELS: Record<string, string> = {
  no_data: 'Raise a “no data” alert',
  ok: 'Treat as OK',
  alerting: 'Treat as alerting',
};

const BOUND_LABELS: Record<string, string> = {
  POINT: 'The forecast itself',
  INTERVAL_80: 'Pessimistic 80 % bound',
  INTERVAL_95: 'Pessimistic 95 % bound',
};

const id = (field: RuleField): string => `rule-${field}`;

export interface RuleFormProps {
  metrics: readonly AlertMetricInfo[];
  destinations: ReadonlyArray<Pick<WebhookDestination, 'id' | 'name'>>;
  /** The rule being edited; null for a new one. */
  editing: AlertRule | null;
  /** Resolves to null once saved, or to why the API refused. */
  onSave: (input: AlertRuleInput) => Promise<ActionError | null>;
  onCancelEdit: () => void;
}

/** Creates a rule, or replaces the one being edited; wrong fields are said under them, the API's errors too. */
export function RuleForm({ metrics, destinations, editing, onSave, onCancelEdit }: RuleFormProps): JSX.Element {
  const hydrated = useHydrated();
  const [draft, setDraft] = useState<RuleDraft>(EMPTY_RULE_DRAFT);
  const [errors, setErrors] = useState<Partial<Record<RuleField, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    setDraft(editing === null ? EMPTY_RULE_DRAFT : ruleToDraft(editing));
    setErrors({});
    setError(null);
  }, [editing]);

  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]): void => {
    setDraft((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };

  const focusFirst = (found: Partial<Record<RuleField, string>>): void => {
    const first = FIELD_ORDER.find((field) => found[field] !== undefined);
    if (first !== undefined) formRef.current?.querySelector<HTMLElement>(`#${id(first)}`)?.focus();
  };

  const labelsOf = (metric: string): readonly string[] | undefined =>
    metrics.find((candidate) => candidate.name === metric)?.labels;

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const built = buildRuleInput(draft, labelsOf);
    if (!built.ok) {
      setErrors(built.errors);
      focusFirst(built.errors);
      return;
    }
    setPending(true);
    const failure = await onSave(built.value);
    setPending(false);
    if (failure === null) {
      setDraft(EMPTY_RULE_DRAFT);
      return;
    }
    const field = ruleFieldOf(blamedField(failure), FIELD_ORDER);
    if (field !== undefined) {
      const found = { [field]: failure.message };
      setErrors(found);
      focusFirst(found);
    } else setError(failure.message);
  };

  const text = (field: RuleField, label: string, options: { hint?: string; narrow?: boolean } = {}) => (
    <BarField
      htmlFor={id(field)}
      label={label}
      size={options.narrow ? 'narrow' : undefined}
      hint={options.hint}
      error={errors[field]}
    >
      <input
        id={id(field)}
        type="text"
        value={draft[field] as string}
        aria-invalid={errors[field] !== undefined}
        aria-describedby={fieldNoteId(id(field), errors[field], options.hint)}
        onChange={(event) => set(field, event.target.value)}
      />
    </BarField>
  );

  const area = (field: RuleField, label: string, hint: string, placeholder: string) => (
    <BarField htmlFor={id(field)} label={label} hint={hint} error={errors[field]}>
      <textarea
        id={id(field)}
        className={styles.textarea}
        value={draft[field] as string}
        rows={2}
        spellCheck={false}
        placeholder={placeholder}
        aria-invalid={errors[field] !== undefined}
        aria-describedby={fieldNoteId(id(field), errors[field], hint)}
        onChange={(event) => set(field, event.target.value)}
      />
    </BarField>
  );

  const forecastKind = draft.kind === 'forecast';
  const forecastSource = forecastSourceOf(draft.forecastMetric);
  const operators: readonly string[] = forecastKind ? FORECAST_OPERATORS : ALERT_OPERATORS;
  const metric = metrics.find((candidate) => candidate.name === draft.metric);
  const metricHint =
    metric === undefined
      ? 'Or prometheus:<metric name>.'
      : `${metric.description} (${metric.unit}); labels: ${metric.labels.join(', ') || 'none'}.`;

  return (
    <form ref={formRef} noValidate onSubmit={(event) => void handleSubmit(event)} aria-labelledby="rule-form-title">
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="rule-form-title" className={formStyles.title}>
          {editing === null ? 'New rule' : `Edit rule ${editing.name}`}
        </h2>
        {text('name', 'Rule name')}
        <BarField htmlFor={id('kind')} label="Kind" error={errors.kind}>
          <select
            id={id('kind')}
            value={draft.kind}
            aria-invalid={errors.kind !== undefined}
            aria-describedby={fieldNoteId(id('kind'), errors.kind)}
            onChange={(event) => {
              const kind = event.target.value;
              set('kind', kind);
              // Forecast rules evaluate every few minutes (fits are reused for 5 min); threshold ones every 15–60 s.
              if (kind === 'forecast' && Number(draft.intervalSeconds) < 60) set('intervalSeconds', '300');
              if (kind === 'threshold' && Number(draft.intervalSeconds) > 60) set('intervalSeconds', '30');
              if (kind === 'forecast' && !(FORECAST_OPERATORS as readonly string[]).includes(draft.operator))
                set('operator', '>=');
            }}
          >
            <option value="threshold">Threshold: the metric crosses it now</option>
            <option value="forecast">Forecast: the forecast crosses it within a horizon</option>
          </select>
        </BarField>
        {forecastKind && (
          <>
            <BarField
              htmlFor={id('forecastMetric')}
              label="Forecast of"
              hint="Hourly series, seasonal + trend model; the same as the Forecasts page."
              error={errors.forecastMetric}
            >
              <select
                id={id('forecastMetric')}
                value={draft.forecastMetric}
                aria-invalid={errors.forecastMetric !== undefined}
                aria-describedby={fieldNoteId(id('forecastMetric'), errors.forecastMetric)}
                onChange={(event) => set('forecastMetric', event.target.value)}
              >
                {(Object.keys(METRICS_BY_SOURCE) as ForecastSource[]).map((source) => (
                  <optgroup key={source} label={SOURCE_LABELS[source]}>
                    {METRICS_BY_SOURCE[source].map((m) => (
                      <option key={m.metric} value={m.metric}>
                        {m.label}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            </BarField>
            {forecastSource !== 'TENANT' &&
              text('forecastTarget', forecastSource === 'SERVICE' ? 'Service' : 'Host', {
                hint:
                  forecastSource === 'HOST'
                    ? 'Exact name, as on the Forecasts page, or * for every host (one alert per host).'
                    : 'Exact name, as on the Forecasts page.',
              })}
            <BarField
              htmlFor={id('horizonHours')}
              label="Within"
              hint="Fires when the line reaches the threshold within this time."
              error={errors.horizonHours}
            >
              <select
                id={id('horizonHours')}
                value={draft.horizonHours}
                aria-invalid={errors.horizonHours !== undefined}
                aria-describedby={fieldNoteId(id('horizonHours'), errors.horizonHours)}
                onChange={(event) => set('horizonHours', event.target.value)}
              >
                {HORIZONS.map((h) => (
                  <option key={h.hours} value={String(h.hours)}>
                    {h.label}
                  </option>
                ))}
                {!HORIZONS.some((h) => String(h.hours) === draft.horizonHours) && (
                  <option value={draft.horizonHours}>{draft.horizonHours} hours</option>
                )}
              </select>
            </BarField>
            <BarField
              htmlFor={id('bound')}
              label="Line"
              hint="Upper bound for > and >=, lower for < and <=."
              error={errors.bound}
            >
              <select
                id={id('bound')}
                value={draft.bound}
                aria-invalid={errors.bound !== undefined}
                aria-describedby={fieldNoteId(id('bound'), errors.bound)}
                onChange={(event) => set('bound', event.target.value)}
              >
                {FORECAST_BOUNDS.map((b) => (
                  <option key={b} value={b}>
                    {BOUND_LABELS[b]}
                  </option>
                ))}
              </select>
            </BarField>
          </>
        )}
        {!forecastKind && (
          <BarField htmlFor={id('metric')} label="Metric" hint={metricHint} error={errors.metric}>
            <input
              id={id('metric')}
              type="text"
              list="rule-metric-options"
              value={draft.metric}
              aria-invalid={errors.metric !== undefined}
              aria-describedby={fieldNoteId(id('metric'), errors.metric, metricHint)}
              onChange={(event) => set('metric', event.target.value)}
            />
            <datalist id="rule-metric-options">
              {metrics.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.description}
                </option>
              ))}
            </datalist>
          </BarField>
        )}
        {!forecastKind && area('filters', 'Filters', 'One per line: label = != =~ !~ value.', 'service=checkout')}
        {!forecastKind && text('groupBy', 'Group by', { hint: 'Labels, comma-separated: one alert each.' })}
        <BarField htmlFor={id('operator')} label="Operator" error={errors.operator}>
          <select
            id={id('operator')}
            value={draft.operator}
            aria-invalid={errors.operator !== undefined}
            aria-describedby={fieldNoteId(id('operator'), errors.operator)}
            onChange={(event) => set('operator', event.target.value)}
          >
            {operators.map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        </BarField>
        {text('threshold', 'Threshold', { narrow: true })}
        {!forecastKind && text('windowSeconds', 'Window (s)', { narrow: true, hint: 'Data per evaluation.' })}
        {text('forSeconds', 'For (s)', { narrow: true, hint: 'Held this long to fire.' })}
        {text('intervalSeconds', 'Interval (s)', { narrow: true, hint: forecastKind ? '60 to 3,600.' : '15 to 60.' })}
        <BarField htmlFor={id('noData')} label="No data" error={errors.noData}>
          <select
            id={id('noData')}
            value={draft.noData}
            aria-invalid={errors.noData !== undefined}
            aria-describedby={fieldNoteId(id('noData'), errors.noData)}
            onChange={(event) => set('noData', event.target.value)}
          >
            {NO_DATA_POLICIES.map((policy) => (
              <option key={policy} value={policy}>
                {NO_DATA_LABELS[policy]}
              </option>
            ))}
          </select>
        </BarField>
        {area('labels', 'Labels', 'name=value per line, added to each alert.', 'severity=page')}
        {area(
          'annotations',
          'Annotations',
          forecastKind
            ? 'name=value; forecast alerts also carry time_to_threshold, threshold_crossing_at and the backtest error.'
            : 'name=value; {{ $labels.x }} and {{ $value }} are filled in.',
          'summary=…',
        )}
        <fieldset
          className={choiceStyles.group}
          aria-describedby={errors.destinationIds === undefined ? undefined : 'rule-destinationIds-error'}
        >
          <legend className={choiceStyles.legend}>Destinations</legend>
          <div id={id('destinationIds')} className={choiceStyles.options}>
            {destinations.length === 0 && (
              <span className={choiceStyles.empty}>None yet; add one under Destinations.</span>
            )}
            {destinations.map((destination) => (
              <label key={destination.id} className={choiceStyles.option}>
                <input
                  type="checkbox"
                  checked={draft.destinationIds.includes(destination.id)}
                  onChange={(event) =>
                    set(
                      'destinationIds',
                      event.target.checked
                        ? [...draft.destinationIds, destination.id]
                        : draft.destinationIds.filter((chosen) => chosen !== destination.id),
                    )
                  }
                />
                {destination.name}
              </label>
            ))}
          </div>
          {errors.destinationIds !== undefined && (
            <span id="rule-destinationIds-error" className={formStyles.fieldError}>
              {errors.destinationIds}
            </span>
          )}
        </fieldset>
        <label className={choiceStyles.option}>
          <input type="checkbox" checked={draft.enabled} onChange={(event) => set('enabled', event.target.checked)} />
          Enabled
        </label>
        <div className={formStyles.actions}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            {editing === null ? 'Create rule' : 'Save rule'}
          </button>
          {editing !== null && (
            <button type="button" className="btn btn-secondary" onClick={onCancelEdit}>
              Cancel
            </button>
          )}
        </div>
        {error !== null && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not save the rule.</strong> {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
