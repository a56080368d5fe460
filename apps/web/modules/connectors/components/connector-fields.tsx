'use client';

import { type ChangeEvent, type Dispatch, type JSX, type SetStateAction, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  asFieldMessage,
  type ConnectorDraft,
  type DraftErrors,
  type DraftField,
  fieldForConnectorError,
  KIND_FIELDS,
  MAX_FILE_BYTES,
  MAX_NAME_LENGTH,
} from '../connector-config';
import styles from '../connectors.module.css';

// The fields of the add and the edit form (one of them is on the page at a time, so they share ids).

/** Field ids, so errors can focus the first wrong one. */
const FIELD_IDS: Record<DraftField, string> = {
  name: 'connector-name',
  interval: 'connector-interval',
  server: 'connector-server',
  clusterName: 'connector-cluster-name',
  caData: 'connector-ca',
  insecureSkipTlsVerify: 'connector-insecure',
  token: 'connector-token',
  regions: 'connector-regions',
  endpoint: 'connector-endpoint',
  accessKeyId: 'connector-access-key-id',
  secretAccessKey: 'connector-secret-access-key',
  url: 'connector-url',
  format: 'connector-format',
  content: 'connector-content',
};

const FIELD_ORDER: readonly DraftField[] = ['name', 'interval', ...new Set(Object.values(KIND_FIELDS).flat())];

export interface ConnectorDraftState {
  draft: ConnectorDraft;
  setDraft: Dispatch<SetStateAction<ConnectorDraft>>;
  errors: DraftErrors;
  setErrors: Dispatch<SetStateAction<DraftErrors>>;
  /** Changes one value and clears its error. */
  set: <K extends keyof ConnectorDraft>(key: K, value: ConnectorDraft[K]) => void;
  /** Which file the document was read from, shown under it. */
  fileNote: string | null;
  setFileNote: Dispatch<SetStateAction<string | null>>;
}

export function useConnectorDraft(initial: ConnectorDraft): ConnectorDraftState {
  const [draft, setDraft] = useState<ConnectorDraft>(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [fileNote, setFileNote] = useState<string | null>(null);
  const set = <K extends keyof ConnectorDraft>(key: K, value: ConnectorDraft[K]): void => {
    setDraft((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };
  return { draft, setDraft, errors, setErrors, set, fileNote, setFileNote };
}

/** Moves focus to the first field with an error, in the form's order. */
export function focusFirstError(form: HTMLFormElement | null, found: DraftErrors): void {
  const first = FIELD_ORDER.find((field) => found[field] !== undefined);
  if (first !== undefined) form?.querySelector<HTMLElement>(`#${FIELD_IDS[first]}`)?.focus();
}

/**
 * Shows the API's refusal under the field it is about (and focuses it); returns the message for the form's alert
 * when no field is to blame, null when it is shown under a field or the session is gone (sign-in follows).
 */
export function showConnectorFailure(
  state: ConnectorDraftState,
  form: HTMLFormElement | null,
  failure: ActionError,
): string | null {
  if (failure.code === 'UNAUTHENTICATED') return null;
  const field = fieldForConnectorError(state.draft.kind, failure);
  if (field === undefined) return asFieldMessage(failure.message);
  const found = { [field]: asFieldMessage(failure.message) };
  state.setErrors(found);
  focusFirstError(form, found);
  return null;
}

export interface ConnectorFieldsProps {
  state: ConnectorDraftState;
  /** Editing a connector whose secrets are stored: blank secret fields keep them, and say so. */
  keepsStoredSecrets: boolean;
}

const STORED_SECRET_HINT = 'Stored encrypted; never shown.';
const KEEP_SECRET_HINT = 'Leave blank to keep the stored secret.';

/** Name, interval, enabled and the fields of the draft's kind, each with its hint or error under it. */
export function ConnectorFields({ state, keepsStoredSecrets }: ConnectorFieldsProps): JSX.Element {
  const { draft, errors, set, setDraft, setErrors, fileNote, setFileNote } = state;
  const secretHint = keepsStoredSecrets ? KEEP_SECRET_HINT : STORED_SECRET_HINT;

  const handleFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
    if (file.size > MAX_FILE_BYTES) {
      setErrors((previous) => ({ ...previous, content: `${file.name} is larger than 32 MiB, the import limit.` }));
      return;
    }
    const text = await file.text();
    const format = /\.json$/i.test(file.name) ? 'json' : /\.csv$/i.test(file.name) ? 'csv' : draft.format;
    setDraft((previous) => ({ ...previous, content: text, format }));
    setErrors((previous) => ({ ...previous, content: undefined, format: undefined }));
    setFileNote(`Read ${file.name} (${file.size.toLocaleString('en-US')} bytes).`);
  };

  const fields = KIND_FIELDS[draft.kind];
  const textField = (
    field: DraftField & keyof ConnectorDraft,
    label: string,
    options: { hint?: string; placeholder?: string; secret?: boolean; wide?: boolean } = {},
  ): JSX.Element => {
    const id = FIELD_IDS[field];
    const value = draft[field];
    return (
      <BarField
        htmlFor={id}
        label={label}
        size={options.wide ? 'wide' : undefined}
        hint={options.hint}
        error={errors[field]}
      >
        <input
          id={id}
          type={options.secret ? 'password' : 'text'}
          value={typeof value === 'string' ? value : ''}
          placeholder={options.placeholder}
          autoComplete={options.secret ? 'new-password' : 'off'}
          spellCheck={false}
          aria-invalid={errors[field] !== undefined}
          aria-describedby={fieldNoteId(id, errors[field], options.hint)}
          onChange={(event) => set(field, event.target.value as never)}
        />
      </BarField>
    );
  };

  return (
    <>
      <BarField htmlFor={FIELD_IDS.name} label="Connector name" size="wide" error={errors.name}>
        <input
          id={FIELD_IDS.name}
          type="text"
          value={draft.name}
          maxLength={MAX_NAME_LENGTH}
          placeholder="prod cluster"
          autoComplete="off"
          required
          aria-invalid={errors.name !== undefined}
          aria-describedby={fieldNoteId(FIELD_IDS.name, errors.name)}
          onChange={(event) => set('name', event.target.value)}
        />
      </BarField>

      <BarField
        htmlFor={FIELD_IDS.interval}
        label="Sync every (s)"
        size="narrow"
        hint="30 to 86,400"
        error={errors.interval}
      >
        <input
          id={FIELD_IDS.interval}
          type="text"
          inputMode="numeric"
          value={draft.interval}
          aria-invalid={errors.interval !== undefined}
          aria-describedby={fieldNoteId(FIELD_IDS.interval, errors.interval, '30 to 86,400')}
          onChange={(event) => set('interval', event.target.value)}
        />
      </BarField>

      <label className={`${choiceStyles.option} ${styles.checkboxField}`}>
        <input type="checkbox" checked={draft.enabled} onChange={(event) => set('enabled', event.target.checked)} />
        Enabled
      </label>

      <div className={styles.kindFields}>
        {fields.includes('server') &&
          textField('server', 'API server URL', { placeholder: 'https://10.0.0.1:6443', wide: true })}
        {fields.includes('clusterName') &&
          textField('clusterName', 'Cluster name', { hint: 'Optional; defaults to the connector name.' })}
        {fields.includes('caData') && (
          <BarField
            htmlFor={FIELD_IDS.caData}
            label="Cluster CA (PEM)"
            size="wide"
            hint="Optional; without it the system CAs are trusted."
            error={errors.caData}
          >
            <textarea
              id={FIELD_IDS.caData}
              className={styles.smallTextarea}
              value={draft.caData}
              rows={3}
              spellCheck={false}
              placeholder="-----BEGIN CERTIFICATE-----"
              aria-invalid={errors.caData !== undefined}
              aria-describedby={fieldNoteId(
                FIELD_IDS.caData,
                errors.caData,
                'Optional; without it the system CAs are trusted.',
              )}
              onChange={(event) => set('caData', event.target.value)}
            />
          </BarField>
        )}
        {fields.includes('server') && (
          <label className={`${choiceStyles.option} ${styles.checkboxField}`}>
            <input
              id={FIELD_IDS.insecureSkipTlsVerify}
              type="checkbox"
              checked={draft.insecureSkipTlsVerify}
              aria-describedby="connector-insecure-hint"
              onChange={(event) => set('insecureSkipTlsVerify', event.target.checked)}
            />
            Skip TLS verification
            <span id="connector-insecure-hint" className={formStyles.hint}>
              Labs with self-signed certificates, or a plain http:// server.
            </span>
          </label>
        )}
        {fields.includes('regions') &&
          textField('regions', 'Regions', {
            placeholder: 'eu-west-1, us-east-1',
            hint: 'Comma-separated.',
            wide: true,
          })}
        {fields.includes('endpoint') &&
          textField('endpoint', 'Endpoint override', {
            placeholder: 'http://localhost:4566',
            hint: 'Optional; e.g. LocalStack. Empty: AWS itself.',
            wide: true,
          })}
        {fields.includes('accessKeyId') &&
          textField('accessKeyId', 'Access key id', {
            placeholder: 'AKIA…',
            // The key id is stored with the secret (write-only too), so editing shows it blank as well.
            hint: keepsStoredSecrets ? KEEP_SECRET_HINT : undefined,
          })}
        {fields.includes('secretAccessKey') &&
          textField('secretAccessKey', 'Secret access key', { secret: true, hint: secretHint })}
        {fields.includes('url') &&
          textField('url', 'NetBox URL', { placeholder: 'https://netbox.example.com', wide: true })}
        {fields.includes('token') &&
          textField('token', draft.kind === 'k8s' ? 'Service account token' : 'API token', {
            secret: true,
            hint: secretHint,
            wide: true,
          })}
        {fields.includes('format') && (
          <BarField htmlFor={FIELD_IDS.format} label="Format" error={errors.format}>
            <select
              id={FIELD_IDS.format}
              value={draft.format}
              aria-invalid={errors.format !== undefined}
              aria-describedby={fieldNoteId(FIELD_IDS.format, errors.format)}
              onChange={(event) => set('format', event.target.value === 'json' ? 'json' : 'csv')}
            >
              <option value="csv">CSV</option>
              <option value="json">JSON</option>
            </select>
          </BarField>
        )}
        {fields.includes('content') && (
          <div className={`${formStyles.field} ${styles.contentField}`}>
            <label htmlFor={FIELD_IDS.content}>Document</label>
            <textarea
              id={FIELD_IDS.content}
              className={styles.documentTextarea}
              value={draft.content}
              rows={8}
              spellCheck={false}
              placeholder={
                draft.format === 'csv'
                  ? 'kind,externalId,name,parentKind,parentId,ips,label.team\nhost,web-1,web-1,,,10.0.0.5,payments'
                  : '[{ "kind": "host", "externalId": "web-1", "ips": ["10.0.0.5"] }]'
              }
              aria-invalid={errors.content !== undefined}
              aria-describedby={errors.content !== undefined ? 'connector-content-error' : 'connector-content-hint'}
              onChange={(event) => set('content', event.target.value)}
            />
            <div className={styles.fileRow}>
              <label htmlFor="connector-file" className={styles.fileLabel}>
                Or choose a file
              </label>
              <input
                id="connector-file"
                type="file"
                accept=".csv,.json,text/csv,application/json"
                onChange={(event) => void handleFile(event)}
              />
            </div>
            {errors.content !== undefined ? (
              <span id="connector-content-error" className={formStyles.fieldError}>
                {errors.content}
              </span>
            ) : (
              <span id="connector-content-hint" className={formStyles.hint}>
                {fileNote ??
                  (draft.format === 'csv'
                    ? 'Columns: kind, externalId (required), name, parentKind, parentId, ips, cidrs, members, labels, attributes, label.<key>.'
                    : 'An array of { kind, externalId, name?, parent?, ips?, cidrs?, members?, labels?, attributes? }.')}
              </span>
            )}
          </div>
        )}
      </div>
    </>
  );
}
