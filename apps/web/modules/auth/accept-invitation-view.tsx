'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, type JSX, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import {
  invitationLinkMessage,
  type LinkProblem,
  linkFormFailure,
  MAX_PASSWORD_LENGTH,
  passwordError,
} from './account-links';
import { ACCEPT_INVITATION_MUTATION, requestLogPath } from './auth.queries';
import { AuthScreen } from './auth-screen';
import { LinkProblemPanel } from './link-problem-panel';
import styles from './login.module.css';
import { MIN_PASSWORD_LENGTH } from './sign-up-form';

export interface AcceptInvitationViewProps {
  /** From the URL, `/invite/<token>`. */
  token: string;
  /** Set by the server when the token cannot be one the API made (a cut or mistyped link). */
  initialProblem?: LinkProblem;
  /** The account this browser is signed in to, if any: accepting signs in as the invited one instead. */
  signedInAs?: string;
  /** Set by the server when it could not ask the API about the session (e.g. the API is down). */
  notice?: string;
}

export function AcceptInvitationView({
  token,
  initialProblem,
  signedInAs,
  notice,
}: AcceptInvitationViewProps): JSX.Element {
  const router = useRouter();
  const hydrated = useHydrated();
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<LinkProblem | null>(initialProblem ?? null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [existingAccount, setExistingAccount] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const invalid = passwordError(password);
    setFieldError(invalid);
    if (invalid !== null) {
      passwordRef.current?.focus();
      return;
    }
    setPending(true);
    try {
      const { acceptInvitation } = await graphqlRequest(ACCEPT_INVITATION_MUTATION, { input: { token, password } });
      router.replace(requestLogPath(acceptInvitation.tenant.slug));
      // Stay "pending" until the request log replaces this page.
    } catch (caught) {
      setPending(false);
      const failure = linkFormFailure(caught, 'Could not accept the invitation. Please try again.');
      if (failure.kind === 'link') setProblem(failure.problem);
      else if (failure.kind === 'password') {
        setFieldError(failure.message);
        setExistingAccount(failure.existingAccount);
        passwordRef.current?.focus();
      } else setError(failure.message);
    }
  };

  const describedBy = ['invite-password-hint', fieldError !== null ? 'invite-password-error' : undefined]
    .filter(Boolean)
    .join(' ');

  return (
    <AuthScreen
      title="Accept your invitation"
      subtitle="You were invited to join a Bathyscope tenant. The email with this link says which one, and with what role."
      notice={notice}
      footer={
        <>
          Already a member? <Link href="/login">Sign in</Link>
        </>
      }
    >
      {problem !== null ? (
        <LinkProblemView problem={problem} />
      ) : (
        <form
          className={styles.form}
          method="post"
          noValidate
          onSubmit={handleSubmit}
          aria-describedby={error !== null ? 'invite-error' : undefined}
        >
          <fieldset className={styles.fields} disabled={!hydrated}>
            {signedInAs !== undefined && (
              <p className={styles.aside}>
                This browser is signed in as {signedInAs}. Accepting signs you in with the invited email instead.
              </p>
            )}
            <div className={styles.field}>
              <label htmlFor="invite-password">Password</label>
              <input
                ref={passwordRef}
                id="invite-password"
                name="password"
                type="password"
                autoComplete="new-password"
                maxLength={MAX_PASSWORD_LENGTH}
                required
                value={password}
                aria-invalid={fieldError !== null}
                aria-describedby={describedBy}
                onChange={(event) => {
                  setPassword(event.target.value);
                  setFieldError(null);
                }}
              />
              <span id="invite-password-hint" className={styles.hint}>
                New to Bathyscope? Choose a password of at least {MIN_PASSWORD_LENGTH} characters. Already have an
                account with the invited email? Enter its password.
              </span>
              {fieldError !== null && (
                <span id="invite-password-error" className={styles.fieldError}>
                  {fieldError}
                </span>
              )}
              {existingAccount && (
                <Link href="/forgot-password" className={styles.fieldLink}>
                  Forgot password?
                </Link>
              )}
            </div>

            {error !== null && (
              <p id="invite-error" className={styles.error} role="alert">
                {error}
              </p>
            )}

            <button type="submit" className="btn btn-primary btn-block" disabled={pending} aria-busy={pending}>
              Accept invitation
            </button>
          </fieldset>
        </form>
      )}
    </AuthScreen>
  );
}

function LinkProblemView({ problem }: { problem: LinkProblem }): JSX.Element {
  return (
    <LinkProblemPanel
      {...invitationLinkMessage(problem)}
      next={problem === 'used' ? { href: '/login', label: 'Sign in' } : undefined}
    />
  );
}
