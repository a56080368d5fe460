'use client';

import { type FormEvent, type JSX, useEffect, useRef, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import formStyles from '@/modules/shell/form-bar.module.css';
import { buildConnectorUpdate, type ConnectorDraft, kindLabel } from '../connector-config';
import type { Connector, UpdateConnectorInput } from '../connectors.queries';
import styles from '../connectors.module.css';
import { ConnectorFields, focusFirstError, showConnectorFailure, useConnectorDraft } from './connector-fields';

export interface EditConnectorFormProps {
  /** The connector as listed when "Edit" was chosen; what the form changes is measured against it. */
  connector: Connector;
  /** Its values in the form (see `draftFromConnector`): the caller knows the kind is one the form has fields for. */
  initial: ConnectorDraft;
  /** Resolves to null once the API saved the change, or to why it did not. */
  onSave: (input: UpdateConnectorInput) => Promise<ActionError | null>;
  onCancel: () => void;
  /** The other listed connectors' names: a rename onto one of them is named under the field before sending. */
  otherNames: ReadonlySet<string>;
}

/** Changes a connector's name, interval, enabled flag and the settings of its kind (fixed); secrets only if typed. */
export function EditConnectorForm({
  connector,
  initial,
  onSave,
  onCancel,
  otherNames,
}: EditConnectorFormProps): JSX.Element {
  const hydrated = useHydrated();
  const state = useConnectorDraft(initial);
  const { draft, setErrors } = state;
  const [error, setError] = useState<string | null>(null);
  const [unchanged, setUnchanged] = useState(false);
  const [pending, setPending] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // "Edit" is chosen in a row further down: bring the form into view at its first field.
  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>('#connector-name')?.focus();
  }, []);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    setUnchanged(false);
    const built = buildConnectorUpdate(draft, connector);
    if (!built.ok) {
      setErrors(built.errors);
      focusFirstError(formRef.current, built.errors);
      return;
    }
    // The API's update does not name a taken name under the field as its create does; the list on screen can.
    if (built.input.name !== undefined && otherNames.has(built.input.name)) {
      const found = { name: `A connector named ${built.input.name} exists.` };
      setErrors(found);
      focusFirstError(formRef.current, found);
      return;
    }
    setErrors({});
    // An empty update would still restart the connector's schedule for nothing.
    if (Object.keys(built.input).length === 0) {
      setUnchanged(true);
      return;
    }
    setPending(true);
    const failure = await onSave(built.input);
    setPending(false);
    if (failure !== null) setError(showConnectorFailure(state, formRef.current, failure));
  };

  return (
    <form ref={formRef} onSubmit={handleSubmit} aria-labelledby="edit-connector-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="edit-connector-heading" className={formStyles.title}>
          Edit connector {connector.name}
        </h2>
        <p className={styles.fixedKind}>
          Kind: <strong>{kindLabel(connector.kind)}</strong>
          <span className={formStyles.hint}> (a connector keeps its kind; add another for a different one)</span>
        </p>

        <ConnectorFields state={state} keepsStoredSecrets={connector.hasCredentials} />

        <div className={formStyles.actions}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            Save
          </button>
          <button type="button" className="btn btn-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>

        <p role="status" className={`${formStyles.hint} ${styles.formNote}`}>
          {unchanged ? 'Nothing changed; there is nothing to save.' : ''}
        </p>
        {error !== null && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not save the connector.</strong> {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
