'use client';

import type { JSX } from 'react';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  attributeLabel,
  type ConditionDraft,
  type ConditionErrors,
  type ConditionOperator,
  MAX_CONDITIONS,
  newCondition,
  OPERATOR_LABELS,
} from '../policy-format';
import styles from '../policies.module.css';

export interface ConditionBuilderProps {
  conditions: readonly ConditionDraft[];
  /** Attributes every chosen resource type has: the only ones a condition may use. */
  attributes: readonly string[];
  /** By the condition's position. */
  errors?: Record<number, ConditionErrors>;
  onChange: (next: ConditionDraft[]) => void;
}

const VALUES_HINT = 'Comma-separated, e.g. payments, orders.';

/** The policy's conditions on resource attributes (all must hold): attribute, operator, values; then "Add condition". */
export function ConditionBuilder({ conditions, attributes, errors, onChange }: ConditionBuilderProps): JSX.Element {
  const change = (id: number, patch: Partial<ConditionDraft>): void =>
    onChange(conditions.map((condition) => (condition.id === id ? { ...condition, ...patch } : condition)));
  const hint =
    attributes.length === 0
      ? 'Choose resource types that have attributes (Request, Agent, AgentGroup) to add conditions.'
      : `All must hold. On these resource types: ${attributes.map(attributeLabel).join(', ').toLowerCase()}.`;

  return (
    <fieldset className={choiceStyles.group} aria-describedby="policy-conditions-hint">
      <legend className={choiceStyles.legend}>Conditions</legend>
      <div className={styles.conditions}>
        {conditions.map((condition, index) => (
          <ConditionRow
            key={condition.id}
            condition={condition}
            number={index + 1}
            attributes={attributes}
            errors={errors?.[index] ?? {}}
            onChange={(patch) => change(condition.id, patch)}
            onRemove={() => onChange(conditions.filter((entry) => entry.id !== condition.id))}
          />
        ))}
      </div>
      <span id="policy-conditions-hint" className={formStyles.hint}>
        {conditions.length === 0 ? `No conditions: the policy covers every resource of its types. ${hint}` : hint}
      </span>
      <div>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={attributes.length === 0 || conditions.length >= MAX_CONDITIONS}
          onClick={() => onChange([...conditions, newCondition(conditions, attributes)])}
        >
          Add condition
        </button>
      </div>
    </fieldset>
  );
}

function ConditionRow({
  condition,
  number,
  attributes,
  errors,
  onChange,
  onRemove,
}: {
  condition: ConditionDraft;
  number: number;
  attributes: readonly string[];
  errors: ConditionErrors;
  onChange: (patch: Partial<ConditionDraft>) => void;
  onRemove: () => void;
}): JSX.Element {
  const base = `policy-condition-${condition.id}`;
  const available = attributes.includes(condition.attribute);
  return (
    <fieldset className={styles.condition}>
      <legend className="visually-hidden">Condition {number}</legend>
      <BarField htmlFor={`${base}-attribute`} label="Attribute" error={errors.attribute}>
        <select
          id={`${base}-attribute`}
          value={condition.attribute}
          aria-invalid={errors.attribute !== undefined}
          aria-describedby={fieldNoteId(`${base}-attribute`, errors.attribute)}
          onChange={(event) => onChange({ attribute: event.target.value })}
        >
          {!available && (
            <option value={condition.attribute}>
              {condition.attribute === '' ? 'Choose…' : `${attributeLabel(condition.attribute)} (not available)`}
            </option>
          )}
          {attributes.map((attribute) => (
            <option key={attribute} value={attribute}>
              {attributeLabel(attribute)}
            </option>
          ))}
        </select>
      </BarField>

      {condition.attribute === 'label' && (
        <BarField htmlFor={`${base}-key`} label="Label key" error={errors.key}>
          <input
            id={`${base}-key`}
            type="text"
            value={condition.key}
            maxLength={63}
            placeholder="team"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.key !== undefined}
            aria-describedby={fieldNoteId(`${base}-key`, errors.key)}
            onChange={(event) => onChange({ key: event.target.value })}
          />
        </BarField>
      )}

      <BarField htmlFor={`${base}-operator`} label="Operator">
        <select
          id={`${base}-operator`}
          value={condition.operator}
          onChange={(event) => onChange({ operator: event.target.value as ConditionOperator })}
        >
          {(Object.keys(OPERATOR_LABELS) as ConditionOperator[]).map((operator) => (
            <option key={operator} value={operator}>
              {OPERATOR_LABELS[operator]}
            </option>
          ))}
        </select>
      </BarField>

      <BarField htmlFor={`${base}-values`} label="Values" size="wide" hint={VALUES_HINT} error={errors.values}>
        <input
          id={`${base}-values`}
          type="text"
          value={condition.values}
          placeholder="payments, orders"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={errors.values !== undefined}
          aria-describedby={fieldNoteId(`${base}-values`, errors.values, VALUES_HINT)}
          onChange={(event) => onChange({ values: event.target.value })}
        />
      </BarField>

      <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
        <button
          type="button"
          className="btn btn-secondary"
          aria-label={`Remove condition ${number}`}
          onClick={onRemove}
        >
          Remove
        </button>
      </div>
    </fieldset>
  );
}
