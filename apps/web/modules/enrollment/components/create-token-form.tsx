'use client';

import { type FormEvent, type JSX, useRef, useState } from 'react';
import { type ActionError, blamedField } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import type { AgentGroup } from '@/modules/agent-groups/agent-groups.queries';
import { asSentence } from '@/modules/auth/sign-up-form';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  DEFAULT_TOKEN_LIFETIME,
  expiresAtFor,
  MAX_TOKEN_NAME_LENGTH,
  maxUsesFromInput,
  TOKEN_LIFETIMES,
  tokenNameError,
} from '../enrollment-format';
import type { CreateEnrollmentTokenInput } from '../enrollment.queries';

export interface CreateTokenFormProps {
  /** Groups a token can enroll into; null while they load. */
  groups: readonly AgentGroup[] | null;
  /** The groups could not be listed: tokens can only enroll ungrouped agents. */
  groupsFailed: boolean;
  /** A group to preselect, e.g. from `?group=` when coming from a group's page. */
  initialGroupId?: string;
  /** Resolves to null once the token exists, or to why it could not be created. */
  onCreate: (input: CreateEnrollmentTokenInput) => Promise<ActionError | null>;
}

type FieldErrors = { name?: string; group?: string; maxUses?: string; expires?: string };

/** Group, name, lifetime and uses of a new enrollment token. */
export function CreateTokenForm({
  groups,
  groupsFailed,
  initialGroupId = '',
  onCreate,
}: CreateTokenFormProps): JSX.Element {
  const hydrated = useHydrated();
  const [groupId, setGroupId] = useState(initialGroupId);
  const [name, setName] = useState('');
  const [lifetime, setLifetime] = useState<string>(DEFAULT_TOKEN_LIFETIME);
  const [maxUses, setMaxUses] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const maxUsesRef = useRef<HTMLInputElement>(null);

  // A preselected group that is not (or no longer) listed is no choice.
  const chosenGroupId = groups === null || groups.some((group) => group.id === groupId) ? groupId : '';

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const nameError = tokenNameError(name);
    const uses = maxUsesFromInput(maxUses);
    const invalid: FieldErrors = {
      ...(nameError !== null ? { name: nameError } : {}),
      ...(!uses.ok ? { maxUses: uses.message } : {}),
    };
    setFieldErrors(invalid);
    if (invalid.name !== undefined) nameRef.current?.focus();
    else if (invalid.maxUses !== undefined) maxUsesRef.current?.focus();
    if (nameError !== null || !uses.ok) return;

    setPending(true);
    const failure = await onCreate({
      name: name.trim(),
      expiresAt: expiresAtFor(lifetime),
      ...(chosenGroupId !== '' ? { groupId: chosenGroupId } : {}),
      ...(uses.maxUses !== undefined ? { maxUses: uses.maxUses } : {}),
    });
    setPending(false);
    if (failure === null) {
      setName('');
      setMaxUses('');
      return;
    }
    // The session is gone: the page is on its way to sign-in.
    if (failure.code === 'UNAUTHENTICATED') return;
    const field = blamedField(failure);
    if (failure.code === 'NOT_FOUND' && chosenGroupId !== '') {
      setFieldErrors({ group: 'This group no longer exists; refresh the page and choose another.' });
    } else if (field === 'name') setFieldErrors({ name: asSentence(failure.message) });
    else if (field === 'maxUses') setFieldErrors({ maxUses: asSentence(failure.message) });
    else if (field === 'expiresAt') setFieldErrors({ expires: asSentence(failure.message) });
    else setError(asSentence(failure.message));
  };

  const groupHint = groupsFailed
    ? 'Groups could not be listed; agents join no group.'
    : 'Agents enrolled with the token join it and run its configuration.';

  return (
    <form onSubmit={handleSubmit} aria-labelledby="create-token-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="create-token-heading" className={formStyles.title}>
          Create an enrollment token
        </h2>

        <BarField htmlFor="token-group" label="Agent group" hint={groupHint} error={fieldErrors.group}>
          <select
            id="token-group"
            value={chosenGroupId}
            disabled={groups === null && !groupsFailed}
            aria-invalid={fieldErrors.group !== undefined}
            aria-describedby={fieldNoteId('token-group', fieldErrors.group, groupHint)}
            onChange={(event) => {
              setGroupId(event.target.value);
              setFieldErrors((previous) => ({ ...previous, group: undefined }));
            }}
          >
            <option value="">{groups === null && !groupsFailed ? 'Loading groups…' : 'No group'}</option>
            {(groups ?? []).map((group) => (
              <option key={group.id} value={group.id}>
                {group.name}
              </option>
            ))}
          </select>
        </BarField>

        <BarField
          htmlFor="token-name"
          label="Token name"
          size="wide"
          hint="Where it will be used, e.g. web servers."
          error={fieldErrors.name}
        >
          <input
            ref={nameRef}
            id="token-name"
            type="text"
            value={name}
            maxLength={MAX_TOKEN_NAME_LENGTH + 20}
            autoComplete="off"
            aria-invalid={fieldErrors.name !== undefined}
            aria-describedby={fieldNoteId('token-name', fieldErrors.name, 'hint')}
            onChange={(event) => {
              setName(event.target.value);
              setFieldErrors((previous) => ({ ...previous, name: undefined }));
            }}
          />
        </BarField>

        <BarField htmlFor="token-expires" label="Expires in" hint="At most 30 days." error={fieldErrors.expires}>
          <select
            id="token-expires"
            value={lifetime}
            aria-invalid={fieldErrors.expires !== undefined}
            aria-describedby={fieldNoteId('token-expires', fieldErrors.expires, 'hint')}
            onChange={(event) => {
              setLifetime(event.target.value);
              setFieldErrors((previous) => ({ ...previous, expires: undefined }));
            }}
          >
            {TOKEN_LIFETIMES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </BarField>

        <BarField
          htmlFor="token-max-uses"
          label="Max uses"
          size="narrow"
          hint="Empty: no limit."
          error={fieldErrors.maxUses}
        >
          <input
            ref={maxUsesRef}
            id="token-max-uses"
            type="text"
            inputMode="numeric"
            value={maxUses}
            autoComplete="off"
            aria-invalid={fieldErrors.maxUses !== undefined}
            aria-describedby={fieldNoteId('token-max-uses', fieldErrors.maxUses, 'hint')}
            onChange={(event) => {
              setMaxUses(event.target.value);
              setFieldErrors((previous) => ({ ...previous, maxUses: undefined }));
            }}
          />
        </BarField>

        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            Create token
          </button>
        </div>

        {error !== null && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not create the token.</strong> {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
