'use client';

import type { AgentConfig } from '@bathyscope/wire/dist/agent-config';
import { type FormEvent, type JSX, useMemo, useRef, useState } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  type ConfigDraft,
  configChanges,
  configFromDraft,
  configJson,
  type DraftErrors,
  type DraftField,
  draftFromConfig,
  errorsToFields,
  FIELD_RULES,
} from '../agent-config-form';
import styles from '../agent-groups.module.css';

export interface ConfigEditorProps {
  /** What the group runs now: the form starts from it and the changes are counted against it. */
  config: AgentConfig;
  /** Below editor: the form shows the configuration without letting it change. */
  readOnly: boolean;
  /** Resolves to null once saved, or to the refusal (`errors`: the API's JSON-pointer messages). */
  onSave: (config: AgentConfig, comment: string) => Promise<{ message: string; errors: string[] } | null>;
}

type TextField = Exclude<DraftField, 'l7Requests' | 'http1Enabled'>;

const TEXT_FIELDS: ReadonlyArray<{ field: TextField; label: string; size?: 'wide' | 'narrow' }> = [
  { field: 'l7Rate', label: 'Sampling rate', size: 'narrow' },
  { field: 'ports', label: 'Server ports', size: 'wide' },
  { field: 'requestIdHeaders', label: 'Request-id headers', size: 'wide' },
  { field: 'checkinIntervalSeconds', label: 'Check-in interval (s)', size: 'narrow' },
  { field: 'maxPendingRows', label: 'Spool limit (rows)' },
  { field: 'cpuPercent', label: 'CPU limit (%)', size: 'narrow' },
  { field: 'memoryMb', label: 'Memory limit (MiB)', size: 'narrow' },
];

const fieldId = (field: DraftField): string => `config-${field}`;

/** The common knobs of an agent configuration as a form, checked with the agents' own schema before saving. */
export function ConfigEditor({ config, readOnly, onSave }: ConfigEditorProps): JSX.Element {
  const hydrated = useHydrated();
  const [draft, setDraft] = useState<ConfigDraft>(() => draftFromConfig(config));
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<DraftErrors>({});
  const [other, setOther] = useState<string[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inputs = useRef<Partial<Record<DraftField, HTMLInputElement | null>>>({});

  const parsed = useMemo(() => configFromDraft(draft, config), [draft, config]);
  const changes = parsed.ok ? configChanges(config, parsed.config) : null;

  const change = (patch: Partial<ConfigDraft>): void => {
    setDraft((previous) => ({ ...previous, ...patch }));
    setErrors((previous) => {
      const next = { ...previous };
      for (const key of Object.keys(patch) as DraftField[]) delete next[key];
      return next;
    });
    setFailure(null);
  };

  const showErrors = (fields: DraftErrors, rest: string[]): void => {
    setErrors(fields);
    setOther(rest);
    const first = TEXT_FIELDS.find(({ field }) => fields[field] !== undefined);
    if (first !== undefined) inputs.current[first.field]?.focus();
  };

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setFailure(null);
    const result = configFromDraft(draft, config);
    if (!result.ok) {
      showErrors(result.fields, result.other);
      setFailure('Check the fields marked above.');
      return;
    }
    showErrors({}, []);
    setPending(true);
    const refused = await onSave(result.config, comment.trim());
    setPending(false);
    if (refused === null) return;
    const mapped = errorsToFields(refused.errors);
    showErrors(mapped.fields, mapped.other);
    setFailure(refused.message);
  };

  const textField = ({ field, label, size }: (typeof TEXT_FIELDS)[number]): JSX.Element => (
    <BarField
      key={field}
      htmlFor={fieldId(field)}
      label={label}
      size={size}
      hint={FIELD_RULES[field]}
      error={errors[field]}
    >
      <input
        ref={(element) => {
          inputs.current[field] = element;
        }}
        id={fieldId(field)}
        type="text"
        value={draft[field]}
        spellCheck={false}
        autoComplete="off"
        inputMode={field === 'ports' || field === 'requestIdHeaders' ? 'text' : 'decimal'}
        aria-invalid={errors[field] !== undefined}
        aria-describedby={fieldNoteId(fieldId(field), errors[field], FIELD_RULES[field])}
        onChange={(event) => change({ [field]: event.target.value })}
      />
    </BarField>
  );

  return (
    <form onSubmit={handleSubmit} aria-labelledby="config-editor-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop} ${styles.editor}`} disabled={!hydrated || readOnly}>
        <h2 id="config-editor-heading" className={formStyles.title}>
          {readOnly ? 'Current configuration' : 'Edit the configuration'}
        </h2>

        <div className={styles.toggles}>
          <label className={styles.toggle}>
            <input
              id={fieldId('l7Requests')}
              type="checkbox"
              checked={draft.l7Requests}
              onChange={(event) => change({ l7Requests: event.target.checked })}
            />
            Capture requests (eBPF)
          </label>
          <label className={styles.toggle}>
            <input
              id={fieldId('http1Enabled')}
              type="checkbox"
              checked={draft.http1Enabled}
              onChange={(event) => change({ http1Enabled: event.target.checked })}
            />
            HTTP/1
          </label>
          <span className={formStyles.hint}>Without capture the tracer is detached and the agent only checks in.</span>
        </div>

        {TEXT_FIELDS.map(textField)}

        {!readOnly && (
          <>
            <BarField htmlFor="config-comment" label="Comment" size="wide" hint="Why, for the history (optional).">
              <input
                id="config-comment"
                type="text"
                value={comment}
                maxLength={500}
                autoComplete="off"
                aria-describedby="config-comment-hint"
                onChange={(event) => setComment(event.target.value)}
              />
            </BarField>

            <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
              <button
                type="submit"
                className="btn btn-primary"
                disabled={pending || (changes !== null && changes.length === 0)}
                aria-busy={pending}
              >
                Save configuration
              </button>
            </div>

            <div className={styles.changes} aria-live="polite">
              {changes === null ? (
                <span className={formStyles.hint}>Fix the fields marked to see the changes.</span>
              ) : changes.length === 0 ? (
                <span className={formStyles.hint}>No changes yet.</span>
              ) : (
                <>
                  <span className={styles.changesTitle}>Changes</span>
                  <ul className={styles.changeList} aria-label="Changes to save">
                    {changes.map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          </>
        )}

        {failure !== null && (
          <div role="alert" className={formStyles.error}>
            <strong>Could not save the configuration.</strong> {failure}
            {other.length > 0 && (
              <ul className={styles.changeList}>
                {other.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            )}
          </div>
        )}

        {parsed.ok && (
          <details className={styles.json}>
            <summary>JSON document</summary>
            <pre>
              <code>{configJson(parsed.config)}</code>
            </pre>
          </details>
        )}
      </fieldset>
    </form>
  );
}
