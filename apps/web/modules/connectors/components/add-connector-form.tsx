'use client';

import { type FormEvent, type JSX, useRef, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { buildConnectorInput, EMPTY_DRAFT, KIND_LABELS } from '../connector-config';
import { CONNECTOR_KINDS, type ConnectorKind, type CreateConnectorInput } from '../connectors.queries';
import styles from '../connectors.module.css';
import { ConnectorFields, focusFirstError, showConnectorFailure, useConnectorDraft } from './connector-fields';

export interface AddConnectorFormProps {
  /** Resolves to null once the connector exists (its first sync is queued), or to why it could not be created. */
  onCreate: (input: CreateConnectorInput) => Promise<ActionError | null>;
}

const KIND_HINTS: Record<ConnectorKind, string> = {
  k8s: 'Pods, services, endpoint slices, nodes, namespaces and workloads, followed with a watch.',
  aws: 'EC2 instances, VPCs, subnets and load balancers of the regions you name.',
  netbox: 'Devices, virtual machines, IP addresses and services, with tags and custom fields.',
  file: 'A CSV or JSON document, for everything no API describes.',
};

export function AddConnectorForm({ onCreate }: AddConnectorFormProps): JSX.Element {
  const hydrated = useHydrated();
  const state = useConnectorDraft(EMPTY_DRAFT);
  const { draft, setDraft, setErrors, setFileNote } = state;
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const built = buildConnectorInput(draft);
    if (!built.ok) {
      setErrors(built.errors);
      focusFirstError(formRef.current, built.errors);
      return;
    }
    setErrors({});
    setPending(true);
    const failure = await onCreate(built.input);
    setPending(false);
    if (failure === null) {
      // Ready for another one of the same kind; secrets never stay in the form.
      setDraft({ ...EMPTY_DRAFT, kind: draft.kind });
      setFileNote(null);
      return;
    }
    setError(showConnectorFailure(state, formRef.current, failure));
  };

  return (
    <form ref={formRef} onSubmit={handleSubmit} aria-labelledby="add-connector-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="add-connector-heading" className={formStyles.title}>
          Add connector
        </h2>

        <fieldset className={`${choiceStyles.group} ${styles.kindPicker}`} aria-describedby="connector-kind-hint">
          <legend className={choiceStyles.legend}>Kind</legend>
          <div className={choiceStyles.options}>
            {CONNECTOR_KINDS.map((kind) => (
              <label key={kind} className={choiceStyles.option}>
                <input
                  type="radio"
                  name="connector-kind"
                  value={kind}
                  checked={draft.kind === kind}
                  onChange={() => {
                    setDraft((previous) => ({ ...previous, kind }));
                    setErrors({});
                    setError(null);
                  }}
                />
                {KIND_LABELS[kind]}
              </label>
            ))}
          </div>
          <span id="connector-kind-hint" className={formStyles.hint}>
            {KIND_HINTS[draft.kind]}
          </span>
        </fieldset>

        <ConnectorFields state={state} keepsStoredSecrets={false} />

        <div className={formStyles.actions}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            Add connector
          </button>
        </div>

        {error !== null && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not add the connector.</strong> {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
