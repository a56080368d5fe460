'use client';

import Link from 'next/link';
import { type FormEvent, type JSX, useEffect, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import {
  type LinkProblem,
  linkFormFailure,
  MAX_PASSWORD_LENGTH,
  passwordError,
  resetLinkMessage,
} from './account-links';
import { RESET_PASSWORD_MUTATION } from './auth.queries';
import { AuthScreen } from './auth-screen';
import { LinkProblemPanel } from './link-problem-panel';
import styles from './login.module.css';
import { MIN_PASSWORD_LENGTH } from './sign-up-form';

export interface ResetPasswordViewProps {
  /** From the URL, `/reset-password/<token>`. */
  token: string;
  /** Set by the server when the token cannot be one the API made (a cut or mistyped link). */
  initialProblem?: LinkProblem;
  /** Set by the server when it could not ask the API about the session (e.g. the API is down). */
  notice?: string;
}

export function ResetPasswordView({ token, initialProblem, notice }: ResetPasswordViewProps): JSX.Element {
  const hydrated = useHydrated();
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<LinkProblem | null>(initialProblem ?? null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);

  // The page's title says what happened; start reading there.
  useEffect(() => {
    if (done) titleRef.current?.focus();
  }, [done]);

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
      await graphqlRequest(RESET_PASSWORD_MUTATION, { input: { token, password } });
      setPassword('');
      setDone(true);
    } catch (caught) {
      const failure = linkFormFailure(caught, 'Could not change the password. Please try again.');
      if (failure.kind === 'link') setProblem(failure.problem);
      else if (failure.kind === 'password') {
        setFieldError(failure.message);
        passwordRef.current?.focus();
      } else setError(failure.message);
    } finally {
      setPending(false);
    }
  };

  if (done) {
    return (
      <AuthScreen
        title="Password changed"
        titleRef={titleRef}
        subtitle="Sign in with your new password. Every session of your account was signed out."
        notice={notice}
      >
        <Link href="/login" className="btn btn-primary btn-block">
          Sign in
        </Link>
      </AuthScreen>
    );
  }

  return (
    <AuthScreen
      title="Choose a new password"
      subtitle="It replaces your old password at once, and signs your account out everywhere."
      notice={notice}
      footer={
        <>
          Remembered it? <Link href="/login">Back to sign in</Link>
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
          aria-describedby={error !== null ? 'reset-error' : undefined}
        >
          <fieldset className={styles.fields} disabled={!hydrated}>
            <div className={styles.field}>
              <label htmlFor="reset-password">New password</label>
              <input
                ref={passwordRef}
                id="reset-password"
                name="password"
                type="password"
                autoComplete="new-password"
                maxLength={MAX_PASSWORD_LENGTH}
                required
                value={password}
                aria-invalid={fieldError !== null}
                aria-describedby={['reset-password-hint', fieldError !== null ? 'reset-password-error' : undefined]
                  .filter(Boolean)
                  .join(' ')}
                onChange={(event) => {
                  setPassword(event.target.value);
                  setFieldError(null);
                }}
              />
              <span id="reset-password-hint" className={styles.hint}>
                At least {MIN_PASSWORD_LENGTH} characters.
              </span>
              {fieldError !== null && (
                <span id="reset-password-error" className={styles.fieldError}>
                  {fieldError}
                </span>
              )}
            </div>

            {error !== null && (
              <p id="reset-error" className={styles.error} role="alert">
                {error}
              </p>
            )}

            <button type="submit" className="btn btn-primary btn-block" disabled={pending} aria-busy={pending}>
              Set new password
            </button>
          </fieldset>
        </form>
      )}
    </AuthScreen>
  );
}

function LinkProblemView({ problem }: { problem: LinkProblem }): JSX.Element {
  return (
    <LinkProblemPanel {...resetLinkMessage(problem)} next={{ href: '/forgot-password', label: 'Request a new link' }} />
  );
}
