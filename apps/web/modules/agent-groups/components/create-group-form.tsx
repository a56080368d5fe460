'use client';

import { type FormEvent, type JSX, useRef, useState } from 'react';
import { type ActionError, blamedField } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { asSentence } from '@/modules/auth/sign-up-form';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import { groupNameError, MAX_GROUP_NAME_LENGTH } from '../agent-group-format';
import type { AgentGroupInput } from '../agent-groups.queries';

export interface CreateGroupFormProps {
  /** Resolves to null once the group exists, or to why it could not be created. */
  onCreate: (input: AgentGroupInput) => Promise<ActionError | null>;
}

export function CreateGroupForm({ onCreate }: CreateGroupFormProps): JSX.Element {
  const hydrated = useHydrated();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const hint = 'Letters, digits, dots, dashes, underscores.';

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const invalid = groupNameError(name);
    setNameError(invalid ?? undefined);
    if (invalid !== null) {
      nameRef.current?.focus();
      return;
    }
    setPending(true);
    const failure = await onCreate({ name: name.trim(), description: description.trim() });
    setPending(false);
    if (failure === null) {
      setName('');
      setDescription('');
      return;
    }
    if (failure.code === 'UNAUTHENTICATED') return;
    if (failure.code === 'CONFLICT' || blamedField(failure) === 'name') {
      setNameError(asSentence(failure.message));
      nameRef.current?.focus();
    } else setError(asSentence(failure.message));
  };

  return (
    <form onSubmit={handleSubmit} aria-labelledby="create-group-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="create-group-heading" className={formStyles.title}>
          Create a group
        </h2>
        <BarField htmlFor="group-name" label="Group name" hint={hint} error={nameError}>
          <input
            ref={nameRef}
            id="group-name"
            type="text"
            value={name}
            maxLength={MAX_GROUP_NAME_LENGTH + 20}
            autoComplete="off"
            aria-invalid={nameError !== undefined}
            aria-describedby={fieldNoteId('group-name', nameError, hint)}
            onChange={(event) => {
              setName(event.target.value);
              setNameError(undefined);
            }}
          />
        </BarField>
        <BarField htmlFor="group-description" label="Group description" size="wide">
          <input
            id="group-description"
            type="text"
            value={description}
            maxLength={500}
            autoComplete="off"
            onChange={(event) => setDescription(event.target.value)}
          />
        </BarField>
        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            Create group
          </button>
        </div>
        {error !== null && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not create the group.</strong> {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
