'use client';

import { type FormEvent, type JSX, useRef, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { toDateInputValue } from '@/lib/date-format';
import { useHydrated } from '@/lib/use-hydrated';
import { type Role, roleLabel } from '@/modules/auth/roles';
import { asSentence } from '@/modules/auth/sign-up-form';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import { expiryFromDateInput, keyNameError, MAX_KEY_NAME_LENGTH } from '../api-key-format';
import type { CreateApiKeyInput } from '../api-keys.queries';

export interface CreateApiKeyFormProps {
  /** Roles the viewer may give a key: their own and below. */
  roles: readonly Role[];
  /** Policies a key can carry; null while they load. */
  policies: ReadonlyArray<{ id: string; name: string }> | null;
  /** The policies could not be listed: the key can only be created without one. */
  policiesFailed: boolean;
  /** Resolves to null once the key exists, or to why it could not be created. */
  onCreate: (input: CreateApiKeyInput) => Promise<ActionError | null>;
}

type FieldErrors = { name?: string; expires?: string; policy?: string };

export function CreateApiKeyForm({ roles, policies, policiesFailed, onCreate }: CreateApiKeyFormProps): JSX.Element {
  const hydrated = useHydrated();
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const [expires, setExpires] = useState('');
  const [policyId, setPolicyId] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const expiresRef = useRef<HTMLInputElement>(null);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const nameError = keyNameError(name);
    const expiry = expiryFromDateInput(expires);
    const invalid: FieldErrors = {
      ...(nameError !== null ? { name: nameError } : {}),
      ...(!expiry.ok ? { expires: expiry.message } : {}),
    };
    setFieldErrors(invalid);
    if (invalid.name !== undefined) nameRef.current?.focus();
    else if (invalid.expires !== undefined) expiresRef.current?.focus();
    if (nameError !== null || !expiry.ok) return;

    setPending(true);
    const failure = await onCreate({
      name: name.trim(),
      role,
      ...(expiry.expiresAt !== undefined ? { expiresAt: expiry.expiresAt } : {}),
      ...(policyId !== '' ? { policyId } : {}),
    });
    setPending(false);
    if (failure === null) {
      // Ready for the next key, starting again from the least privilege.
      setName('');
      setRole('viewer');
      setExpires('');
      setPolicyId('');
      return;
    }
    // The session is gone: the page is on its way to sign-in.
    if (failure.code === 'UNAUTHENTICATED') return;
    if (failure.field === 'expiresAt') setFieldErrors({ expires: failure.message });
    else if (failure.field === 'name') setFieldErrors({ name: failure.message });
    else if (failure.field === 'policyId') setFieldErrors({ policy: asSentence(failure.message) });
    else setError(failure.message);
  };

  const policyHint = policiesFailed
    ? 'Policies could not be listed.'
    : 'Optional; applies to this key on top of the tenant’s.';

  return (
    <form onSubmit={handleSubmit} aria-labelledby="create-api-key-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="create-api-key-heading" className={formStyles.title}>
          Create an API key
        </h2>

        <div className={`${formStyles.field} ${formStyles.fieldWide}`}>
          <label htmlFor="api-key-name">Key name</label>
          <input
            ref={nameRef}
            id="api-key-name"
            type="text"
            value={name}
            maxLength={MAX_KEY_NAME_LENGTH}
            placeholder="GitHub Actions deploy"
            autoComplete="off"
            required
            aria-invalid={fieldErrors.name !== undefined}
            aria-describedby={fieldErrors.name !== undefined ? 'api-key-name-error' : undefined}
            onChange={(event) => {
              setName(event.target.value);
              setFieldErrors((previous) => ({ ...previous, name: undefined }));
            }}
          />
          {fieldErrors.name !== undefined && (
            <span id="api-key-name-error" className={formStyles.fieldError}>
              {fieldErrors.name}
            </span>
          )}
        </div>

        <div className={formStyles.field}>
          <label htmlFor="api-key-role">Role</label>
          <select
            id="api-key-role"
            value={role}
            aria-describedby="api-key-role-hint"
            onChange={(event) => setRole(event.target.value)}
          >
            {roles.map((option) => (
              <option key={option} value={option}>
                {roleLabel(option)}
              </option>
            ))}
          </select>
          <span id="api-key-role-hint" className={formStyles.hint}>
            At most your own role.
          </span>
        </div>

        <div className={formStyles.field}>
          <label htmlFor="api-key-expires">Expires</label>
          <input
            ref={expiresRef}
            id="api-key-expires"
            type="date"
            value={expires}
            min={hydrated ? toDateInputValue(new Date()) : undefined}
            aria-invalid={fieldErrors.expires !== undefined}
            aria-describedby={fieldErrors.expires !== undefined ? 'api-key-expires-error' : 'api-key-expires-hint'}
            onChange={(event) => {
              setExpires(event.target.value);
              setFieldErrors((previous) => ({ ...previous, expires: undefined }));
            }}
          />
          {fieldErrors.expires !== undefined ? (
            <span id="api-key-expires-error" className={formStyles.fieldError}>
              {fieldErrors.expires}
            </span>
          ) : (
            <span id="api-key-expires-hint" className={formStyles.hint}>
              Optional; works through that day.
            </span>
          )}
        </div>

        <BarField htmlFor="api-key-policy" label="Policy" hint={policyHint} error={fieldErrors.policy}>
          <select
            id="api-key-policy"
            value={policyId}
            disabled={policies === null}
            aria-invalid={fieldErrors.policy !== undefined}
            aria-describedby={fieldNoteId('api-key-policy', fieldErrors.policy, policyHint)}
            onChange={(event) => {
              setPolicyId(event.target.value);
              setFieldErrors((previous) => ({ ...previous, policy: undefined }));
            }}
          >
            <option value="">{policies === null && !policiesFailed ? 'Loading policies…' : 'None'}</option>
            {(policies ?? []).map((policy) => (
              <option key={policy.id} value={policy.id}>
                {policy.name}
              </option>
            ))}
          </select>
        </BarField>

        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            Create key
          </button>
        </div>

        {error !== null && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not create the key.</strong> {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
