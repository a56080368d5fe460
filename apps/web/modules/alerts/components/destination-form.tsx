'use client';

import { type FormEvent, type JSX, useEffect, useRef, useState } from 'react';
import { type ActionError, blamedField } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  buildDestinationInput,
  type DestinationDraft,
  type DestinationField,
  EMPTY_DESTINATION_DRAFT,
  fieldOf,
} from '../alert-drafts';
import type { DestinationInput, WebhookDestination } from '../alerts.queries';

const FIELDS: readonly DestinationField[] = ['name', 'url', 'maxAttempts', 'timeoutMs'];
const LABELS: Record<DestinationField, string> = {
  name: 'Destination name',
  url: 'Webhook URL',
  maxAttempts: 'Max attempts',
  timeoutMs: 'Timeout (ms)',
};
const HINTS: Partial<Record<DestinationField, string>> = {
  url: 'Its host must resolve to public addresses.',
  maxAttempts: '1 to 20, with backoff.',
};

export interface DestinationFormProps {
  editing: WebhookDestination | null;
  onSave: (input: DestinationInput) => Promise<ActionError | null>;
  onCancelEdit: () => void;
}

/** Adds a destination (its secret is generated and shown once), or changes one; URL refusals show under the URL. */
export function DestinationForm({ editing, onSave, onCancelEdit }: DestinationFormProps): JSX.Element {
  const hydrated = useHydrated();
  const [draft, setDraft] = useState<DestinationDraft>(EMPTY_DESTINATION_DRAFT);
  const [errors, setErrors] = useState<Partial<Record<DestinationField, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    setDraft(
      editing === null
        ? EMPTY_DESTINATION_DRAFT
        : {
            name: editing.name,
            url: editing.url,
            maxAttempts: String(editing.maxAttempts),
            timeoutMs: String(editing.timeoutMs),
          },
    );
    setErrors({});
    setError(null);
  }, [editing]);

  const show = (found: Partial<Record<DestinationField, string>>): void => {
    setErrors(found);
    const first = FIELDS.find((field) => found[field] !== undefined);
    if (first !== undefined) formRef.current?.querySelector<HTMLElement>(`#destination-${first}`)?.focus();
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const built = buildDestinationInput(draft);
    if (!built.ok) {
      show(built.errors);
      return;
    }
    setPending(true);
    const failure = await onSave(built.value);
    setPending(false);
    if (failure === null) {
      setDraft(EMPTY_DESTINATION_DRAFT);
      return;
    }
    const field = fieldOf(blamedField(failure), FIELDS);
    if (field !== undefined) show({ [field]: failure.message });
    else setError(failure.message);
  };

  return (
    <form ref={formRef} noValidate onSubmit={(event) => void submit(event)} aria-labelledby="destination-form-title">
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="destination-form-title" className={formStyles.title}>
          {editing === null ? 'New destination' : `Edit destination ${editing.name}`}
        </h2>
        {FIELDS.map((field) => (
          <BarField
            key={field}
            htmlFor={`destination-${field}`}
            label={LABELS[field]}
            size={field === 'url' ? 'wide' : field === 'name' ? undefined : 'narrow'}
            hint={HINTS[field]}
            error={errors[field]}
          >
            <input
              id={`destination-${field}`}
              type={field === 'url' ? 'url' : 'text'}
              value={draft[field]}
              placeholder={field === 'url' ? 'https://hooks.example.com/alerts' : undefined}
              aria-invalid={errors[field] !== undefined}
              aria-describedby={fieldNoteId(`destination-${field}`, errors[field], HINTS[field])}
              onChange={(event) => {
                const value = event.target.value;
                setDraft((previous) => ({ ...previous, [field]: value }));
                setErrors((previous) => ({ ...previous, [field]: undefined }));
              }}
            />
          </BarField>
        ))}
        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            {editing === null ? 'Add destination' : 'Save destination'}
          </button>
          {editing !== null && (
            <button type="button" className="btn btn-secondary" onClick={onCancelEdit}>
              Cancel
            </button>
          )}
        </div>
        {error !== null && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not save the destination.</strong> {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
