'use client';

import { type ChangeEvent, type FormEvent, type JSX, useRef, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  asFieldMessage,
  buildConnectorInput,
  type ConnectorDraft,
  type DraftErrors,
  type DraftField,
  EMPTY_DRAFT,
  fieldForConnectorError,
  KIND_FIELDS,
  KIND_LABELS,
  MAX_FILE_BYTES,
  MAX_NAME_LENGTH,
} from '../connector-config';
import { CONNECTOR_KINDS, type ConnectorKind, type CreateConnectorInput } from '../connectors.queries';
import styles from '../connectors.module.css';

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

export function AddConnectorForm({ onCreate }: AddConnectorFormProps): JSX.Element {
  const hydrated = useHydrated();
  const [draft, setDraft] = useState<ConnectorDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [fileNote, setFileNote] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const set = <K extends keyof ConnectorDraft>(key: K, value: ConnectorDraft[K]): void => {
    setDraft((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };

  const focusFirst = (found: DraftErrors): void => {
    const first = FIELD_ORDER.find((field) => found[field] !== undefined);
    if (first !== undefined) formRef.current?.querySelector<HTMLElement>(`#${FIELD_IDS[first]}`)?.focus();
  };

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const built = buildConnectorInput(draft);
    if (!built.ok) {
      setErrors(built.errors);
      focusFirst(built.errors);
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
    if (failure.code === 'UNAUTHENTICATED') return;
    const field = fieldForConnectorError(draft.kind, failure);
    if (field !== undefined) {
      const found = { [field]: asFieldMessage(failure.message) };
      setErrors(found);
      focusFirst(found);
    } else setError(asFieldMessage(failure.message));
  };

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
          {fields.includes('accessKeyId') && textField('accessKeyId', 'Access key id', { placeholder: 'AKIA…' })}
          {fields.includes('secretAccessKey') &&
            textField('secretAccessKey', 'Secret access key', { secret: true, hint: 'Stored encrypted; never shown.' })}
          {fields.includes('url') &&
            textField('url', 'NetBox URL', { placeholder: 'https://netbox.example.com', wide: true })}
          {fields.includes('token') &&
            textField('token', draft.kind === 'k8s' ? 'Service account token' : 'API token', {
              secret: true,
              hint: 'Stored encrypted; never shown.',
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
