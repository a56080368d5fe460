'use client';

import { type FormEvent, type JSX, useRef, useState } from 'react';
import type { ActionResult } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { type Role, roleLabel } from '@/modules/auth/roles';
import formStyles from '@/modules/shell/form-bar.module.css';
import { type InviteFailure, inviteEmailError, inviteFailure, MAX_EMAIL_LENGTH } from '../member-format';
import type { Invitation, InviteMemberInput } from '../members.queries';
import styles from '../members.module.css';

export interface InviteMemberFormProps {
  /** Roles the viewer may give: their own and below. */
  roles: readonly Role[];
  /** Resolves to the invitation once it is sent, or to why it was not. */
  onInvite: (input: InviteMemberInput) => Promise<ActionResult<Invitation>>;
}

export function InviteMemberForm({ roles, onInvite }: InviteMemberFormProps): JSX.Element {
  const hydrated = useHydrated();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const [errors, setErrors] = useState<InviteFailure>({});
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const roleRef = useRef<HTMLSelectElement>(null);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setSentTo(null);
    const emailError = inviteEmailError(email);
    if (emailError !== null) {
      setErrors({ email: emailError });
      emailRef.current?.focus();
      return;
    }
    setErrors({});
    setPending(true);
    const result = await onInvite({ email: email.trim(), role });
    setPending(false);
    if (result.ok) {
      // Ready for the next one, starting again from the least privilege.
      setSentTo(result.value.email);
      setEmail('');
      setRole('viewer');
      return;
    }
    // The session is gone: the page is on its way to sign-in.
    if (result.error.code === 'UNAUTHENTICATED') return;
    const failure = inviteFailure(result.error);
    setErrors(failure);
    if (failure.email !== undefined) emailRef.current?.focus();
    else if (failure.role !== undefined) roleRef.current?.focus();
  };

  return (
    <form onSubmit={handleSubmit} aria-labelledby="invite-member-heading" noValidate>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <h2 id="invite-member-heading" className={formStyles.title}>
          Invite a member
        </h2>

        <div className={`${formStyles.field} ${formStyles.fieldWide}`}>
          <label htmlFor="invite-email">
            <span className="visually-hidden">Invite </span>email
          </label>
          <input
            ref={emailRef}
            id="invite-email"
            type="email"
            value={email}
            maxLength={MAX_EMAIL_LENGTH}
            placeholder="name@example.com"
            autoComplete="off"
            spellCheck={false}
            required
            aria-invalid={errors.email !== undefined}
            aria-describedby={errors.email !== undefined ? 'invite-email-error' : 'invite-email-hint'}
            onChange={(event) => {
              setEmail(event.target.value);
              setErrors((previous) => ({ ...previous, email: undefined }));
            }}
          />
          {errors.email !== undefined ? (
            <span id="invite-email-error" className={formStyles.fieldError}>
              {errors.email}
            </span>
          ) : (
            <span id="invite-email-hint" className={formStyles.hint}>
              They get a link by email; it works once, for 7 days.
            </span>
          )}
        </div>

        <div className={formStyles.field}>
          <label htmlFor="invite-role">
            <span className="visually-hidden">Invite </span>role
          </label>
          <select
            ref={roleRef}
            id="invite-role"
            value={role}
            aria-invalid={errors.role !== undefined}
            aria-describedby={errors.role !== undefined ? 'invite-role-error' : 'invite-role-hint'}
            onChange={(event) => {
              setRole(event.target.value);
              setErrors((previous) => ({ ...previous, role: undefined }));
            }}
          >
            {roles.map((option) => (
              <option key={option} value={option}>
                {roleLabel(option)}
              </option>
            ))}
          </select>
          {errors.role !== undefined ? (
            <span id="invite-role-error" className={formStyles.fieldError}>
              {errors.role}
            </span>
          ) : (
            <span id="invite-role-hint" className={formStyles.hint}>
              At most your own role.
            </span>
          )}
        </div>

        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            Send invitation
          </button>
        </div>

        {errors.form !== undefined && (
          <p role="alert" className={formStyles.error}>
            <strong>Could not send the invitation.</strong> {errors.form}
          </p>
        )}
        <p role="status" className={sentTo === null ? 'visually-hidden' : styles.sent}>
          {sentTo === null ? '' : `Invitation sent to ${sentTo}.`}
        </p>
      </fieldset>
    </form>
  );
}
