'use client';

import { type FormEvent, type JSX, useEffect, useRef, useState } from 'react';
import { type ActionError, blamedField } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  buildRuleInput,
  EMPTY_RULE_DRAFT,
  fieldOf,
  type RuleDraft,
  type RuleField,
  ruleToDraft,
} from '../alert-drafts';
import { ALERT_OPERATORS, NO_DATA_POLICIES } from '../alert-options';
import type { AlertMetricInfo, AlertRule, AlertRuleInput, WebhookDestination } from '../alerts.queries';
import styles from '../alerts.module.css';

const FIELD_ORDER: readonly RuleField[] = [
  'name',
  'metric',
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
    const field = fieldOf(blamedField(failure), FIELD_ORDER);
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
        {area('filters', 'Filters', 'One per line: label = != =~ !~ value.', 'service=checkout')}
        {text('groupBy', 'Group by', { hint: 'Labels, comma-separated: one alert each.' })}
        <BarField htmlFor={id('operator')} label="Operator" error={errors.operator}>
          <select
            id={id('operator')}
            value={draft.operator}
            aria-invalid={errors.operator !== undefined}
            aria-describedby={fieldNoteId(id('operator'), errors.operator)}
            onChange={(event) => set('operator', event.target.value)}
          >
            {ALERT_OPERATORS.map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        </BarField>
        {text('threshold', 'Threshold', { narrow: true })}
        {text('windowSeconds', 'Window (s)', { narrow: true, hint: 'Data per evaluation.' })}
        {text('forSeconds', 'For (s)', { narrow: true, hint: 'Held this long to fire.' })}
        {text('intervalSeconds', 'Interval (s)', { narrow: true, hint: '15 to 60.' })}
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
        {area('annotations', 'Annotations', 'name=value; {{ $labels.x }} and {{ $value }} are filled in.', 'summary=…')}
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
