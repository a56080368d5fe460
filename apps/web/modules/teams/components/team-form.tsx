'use client';

import { type FormEvent, type JSX, useEffect, useRef, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import formStyles from '@/modules/shell/form-bar.module.css';
import {
  MAX_TEAM_DESCRIPTION_LENGTH,
  MAX_TEAM_NAME_LENGTH,
  type TeamFailure,
  teamFailure,
  teamNameError,
} from '../team-format';
import type { Team, TeamInput } from '../teams.queries';

export interface TeamFormProps {
  /** The team being renamed or described; null to create one. */
  team: Team | null;
  /** Resolves to null once the API accepted it, or to why it did not. */
  onSubmit: (input: TeamInput) => Promise<ActionError | null>;
  /** Leaves editing; the form creates teams again. */
  onCancel: () => void;
}

const DESCRIPTION_HINT = 'Optional; who is in it and why.';

/** Creates a team, or (given one) renames and describes it. */
export function TeamForm({ team, onSubmit, onCancel }: TeamFormProps): JSX.Element {
  const hydrated = useHydrated();
  const editing = team !== null;
  const [name, setName] = useState(team?.name ?? '');
  const [description, setDescription] = useState(team?.description ?? '');
  const [errors, setErrors] = useState<TeamFailure>({});
  const [pending, setPending] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const descriptionRef = useRef<HTMLInputElement>(null);

  // Editing starts at the name.
  useEffect(() => {
    if (editing) nameRef.current?.focus();
  }, [editing]);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const nameError = teamNameError(name);
    if (nameError !== null) {
      setErrors({ name: nameError });
      nameRef.current?.focus();
      return;
    }
    setErrors({});
    setPending(true);
    const failure = await onSubmit({ name: name.trim(), description: description.trim() });
    setPending(false);
    if (failure === null) {
      if (!editing) {
        setName('');
        setDescription('');
      }
      return;
    }
    // The session is gone: the page is on its way to sign-in.
    if (failure.code === 'UNAUTHENTICATED') return;
    const shown = teamFailure(failure);
    setErrors(shown);
    if (shown.name !== undefined) nameRef.current?.focus();
    else if (shown.description !== undefined) descriptionRef.current?.focus();
  };

  return (
    <form onSubmit={handleSubmit} aria-labelledby="team-form-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="team-form-heading" className={formStyles.title}>
          {editing ? `Edit team ${team.name}` : 'Create a team'}
        </h2>

        <BarField
          htmlFor="team-name"
          label={
            <>
              <span className="visually-hidden">Team </span>name
            </>
          }
          size="wide"
          error={errors.name}
        >
          <input
            ref={nameRef}
            id="team-name"
            type="text"
            value={name}
            maxLength={MAX_TEAM_NAME_LENGTH}
            placeholder="Payments on-call"
            autoComplete="off"
            required
            aria-invalid={errors.name !== undefined}
            aria-describedby={fieldNoteId('team-name', errors.name)}
            onChange={(event) => {
              setName(event.target.value);
              setErrors((previous) => ({ ...previous, name: undefined }));
            }}
          />
        </BarField>

        <BarField
          htmlFor="team-description"
          label={
            <>
              <span className="visually-hidden">Team </span>description
            </>
          }
          size="wide"
          hint={DESCRIPTION_HINT}
          error={errors.description}
        >
          <input
            ref={descriptionRef}
            id="team-description"
            type="text"
            value={description}
            maxLength={MAX_TEAM_DESCRIPTION_LENGTH}
            autoComplete="off"
            aria-invalid={errors.description !== undefined}
            aria-describedby={fieldNoteId('team-description', errors.description, DESCRIPTION_HINT)}
            onChange={(event) => {
              setDescription(event.target.value);
              setErrors((previous) => ({ ...previous, description: undefined }));
            }}
          />
        </BarField>

        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            {editing ? 'Save team' : 'Create team'}
          </button>
          {editing && (
            <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={pending}>
              Cancel
            </button>
          )}
        </div>

        {errors.form !== undefined && (
          <p role="alert" className={formStyles.error}>
            <strong>{editing ? 'Could not save the team.' : 'Could not create the team.'}</strong> {errors.form}
          </p>
        )}
      </fieldset>
    </form>
  );
}
