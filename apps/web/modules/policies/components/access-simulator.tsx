'use client';

import { type FormEvent, type JSX, useState } from 'react';
import type { ActionResult } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import type { ApiKey } from '@/modules/api-keys/api-keys.queries';
import { asSentence } from '@/modules/auth/sign-up-form';
import type { Member } from '@/modules/members/members.queries';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import type { AccessDecision, AuthzCatalog, SimulateAccessInput } from '../policies.queries';
import styles from '../policies.module.css';
import {
  actionLabel,
  attributeLabel,
  decidedByLabel,
  EMPTY_SIMULATION,
  labelsError,
  resourceInfo,
  type SimulationDraft,
  subjectValue,
  toSimulateInput,
} from '../policy-format';

export interface AccessSimulatorProps {
  catalog: AuthzCatalog | null;
  /** Whom to simulate; null while they load. */
  members: readonly Member[] | null;
  apiKeys: readonly ApiKey[] | null;
  simulate: (input: SimulateAccessInput) => Promise<ActionResult<AccessDecision>>;
}

type TextAttribute = 'namespace' | 'service' | 'environment' | 'agentGroup';
const TEXT_ATTRIBUTES: ReadonlyArray<{ attribute: TextAttribute; placeholder: string }> = [
  { attribute: 'namespace', placeholder: 'payments' },
  { attribute: 'service', placeholder: 'checkout' },
  { attribute: 'environment', placeholder: 'production' },
  { attribute: 'agentGroup', placeholder: 'eu-west' },
];

/** "Can this member (or API key) do this, and which rule decides?", against the policies as they are now. */
export function AccessSimulator({ catalog, members, apiKeys, simulate }: AccessSimulatorProps): JSX.Element {
  const hydrated = useHydrated();
  const [draft, setDraft] = useState<SimulationDraft>(EMPTY_SIMULATION);
  const [decision, setDecision] = useState<AccessDecision | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [labelsProblem, setLabelsProblem] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState(false);
  const { attributes, fields } = resourceInfo(catalog, draft.resource);
  const activeKeys = (apiKeys ?? []).filter((key) => key.revokedAt === null);

  const change = (patch: Partial<SimulationDraft>): void => {
    setDraft((previous) => ({ ...previous, ...patch }));
    // The answer was for the question as it was.
    setDecision(null);
    setError(null);
  };

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const problem = attributes.includes('label') ? labelsError(draft.labels) : null;
    setLabelsProblem(problem ?? undefined);
    if (problem !== null) return;
    setPending(true);
    const result = await simulate(toSimulateInput(draft, catalog));
    setPending(false);
    if (result.ok) {
      setDecision(result.value);
      setError(null);
    } else if (result.error.code !== 'UNAUTHENTICATED') {
      setDecision(null);
      setError(asSentence(result.error.message));
    }
  };

  return (
    <section className={styles.panel} aria-labelledby="simulator-heading">
      <h2 id="simulator-heading" className={styles.panelTitle}>
        Simulate access
      </h2>
      <p className={styles.panelText}>
        Asks the API which rule decides, with the policies as they are now. An attribute left empty is simulated as an
        empty value, like a request from a workload the agent could not name.
      </p>
      <form onSubmit={handleSubmit} aria-label="Simulate access" noValidate>
        <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated || catalog === null}>
          <BarField htmlFor="simulate-subject" label="Simulate as" size="wide">
            <select
              id="simulate-subject"
              value={draft.subject}
              onChange={(event) => change({ subject: event.target.value })}
            >
              <option value="">Yourself</option>
              <optgroup label="Members">
                {(members ?? []).map((member) => (
                  <option key={member.userId} value={subjectValue('user', member.userId)}>
                    {member.email}
                  </option>
                ))}
              </optgroup>
              {activeKeys.length > 0 && (
                <optgroup label="API keys">
                  {activeKeys.map((key) => (
                    <option key={key.id} value={subjectValue('key', key.id)}>
                      API key {key.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </BarField>

          <BarField htmlFor="simulate-action" label={<SimulatedLabel text="action" />}>
            <select
              id="simulate-action"
              value={draft.action}
              onChange={(event) => change({ action: event.target.value })}
            >
              {(catalog?.actions ?? [draft.action]).map((action) => (
                <option key={action} value={action}>
                  {actionLabel(action)}
                </option>
              ))}
            </select>
          </BarField>

          <BarField htmlFor="simulate-resource" label={<SimulatedLabel text="resource type" />}>
            <select
              id="simulate-resource"
              value={draft.resource}
              onChange={(event) => change({ resource: event.target.value, field: '' })}
            >
              {(catalog?.resources.map((resource) => resource.name) ?? [draft.resource]).map((resource) => (
                <option key={resource} value={resource}>
                  {resource}
                </option>
              ))}
            </select>
          </BarField>

          {TEXT_ATTRIBUTES.filter(({ attribute }) => attributes.includes(attribute)).map(
            ({ attribute, placeholder }) => (
              <BarField
                key={attribute}
                htmlFor={`simulate-${attribute}`}
                label={<SimulatedLabel text={attributeLabel(attribute).toLowerCase()} />}
              >
                <input
                  id={`simulate-${attribute}`}
                  type="text"
                  value={draft[attribute]}
                  placeholder={placeholder}
                  autoComplete="off"
                  spellCheck={false}
                  onChange={(event) => change({ [attribute]: event.target.value })}
                />
              </BarField>
            ),
          )}

          {attributes.includes('label') && (
            <BarField
              htmlFor="simulate-labels"
              label={<SimulatedLabel text="labels" />}
              size="wide"
              error={labelsProblem}
            >
              <input
                id="simulate-labels"
                type="text"
                value={draft.labels}
                placeholder="team=red, tier=1"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={labelsProblem !== undefined}
                aria-describedby={fieldNoteId('simulate-labels', labelsProblem)}
                onChange={(event) => {
                  change({ labels: event.target.value });
                  setLabelsProblem(undefined);
                }}
              />
            </BarField>
          )}

          {fields.length > 0 && (
            <BarField htmlFor="simulate-field" label={<SimulatedLabel text="field" />}>
              <select
                id="simulate-field"
                value={draft.field}
                onChange={(event) => change({ field: event.target.value })}
              >
                <option value="">Whole resource</option>
                {fields.map((field) => (
                  <option key={field} value={field}>
                    {field}
                  </option>
                ))}
              </select>
            </BarField>
          )}

          <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
            <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
              Simulate
            </button>
          </div>

          {error !== null && (
            <p role="alert" className={formStyles.error}>
              <strong>Could not simulate.</strong> {error}
            </p>
          )}
        </fieldset>
      </form>

      <div aria-live="polite">{decision !== null && <DecisionPanel decision={decision} />}</div>
    </section>
  );
}

/** A simulator label: "Action" on screen (upper-cased), "Simulated action" to assistive technology. */
function SimulatedLabel({ text }: { text: string }): JSX.Element {
  return (
    <>
      <span className="visually-hidden">Simulated </span>
      {text}
    </>
  );
}

function DecisionPanel({ decision }: { decision: AccessDecision }): JSX.Element {
  const subject = [decision.role, ...decision.teams.map((team) => `team ${team}`)].join(', ');
  return (
    <section
      className={`${styles.decision} ${decision.allowed ? styles.allowed : styles.denied}`}
      aria-label="Access decision"
      data-allowed={decision.allowed}
    >
      <p className={styles.verdict}>{decision.allowed ? 'Allowed' : 'Denied'}</p>
      <dl className={styles.facts}>
        <dt>Why</dt>
        <dd>{asSentence(decision.reason)}</dd>
        <dt>Deciding rule</dt>
        <dd>{decidedByLabel(decision)}</dd>
        <dt>Subject</dt>
        <dd>
          {decision.subject} ({subject})
        </dd>
        <dt>Applicable policies</dt>
        <dd>{decision.applicablePolicies.length === 0 ? 'None' : decision.applicablePolicies.join(', ')}</dd>
      </dl>
    </section>
  );
}
