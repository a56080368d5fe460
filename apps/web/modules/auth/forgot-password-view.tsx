'use client';

import Link from 'next/link';
import { type FormEvent, type JSX, useRef, useState } from 'react';
import { graphqlRequest, isGraphQLRequestError } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import { emailError } from './account-links';
import { REQUEST_PASSWORD_RESET_MUTATION } from './auth.queries';
import { AuthScreen } from './auth-screen';
import styles from './login.module.css';
import { asSentence } from './sign-up-form';

export interface ForgotPasswordViewProps {
  /** Set by the server when it could not ask the API about the session (e.g. the API is down). */
  notice?: string;
}

/** The same words whether or not the address has an account: the page does not reveal which do. */
export const RESET_LINK_SENT_MESSAGE = 'If an account exists for that address, a reset link is on its way.';

export function ForgotPasswordView({ notice }: ForgotPasswordViewProps): JSX.Element {
  const hydrated = useHydrated();
  const [email, setEmail] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const invalid = emailError(email);
    setFieldError(invalid);
    if (invalid !== null) {
      emailRef.current?.focus();
      return;
    }
    setPending(true);
    try {
      await graphqlRequest(REQUEST_PASSWORD_RESET_MUTATION, { email: email.trim() });
      setSentTo(email.trim());
    } catch (caught) {
      if (isGraphQLRequestError(caught) && caught.code === 'BAD_USER_INPUT') {
        setFieldError(asSentence(caught.message));
        emailRef.current?.focus();
      } else {
        setError(isGraphQLRequestError(caught) ? caught.message : 'Could not send the link. Please try again.');
      }
    } finally {
      setPending(false);
    }
  };

  return (
    <AuthScreen
      title="Reset your password"
      subtitle="Enter the email you sign in with, and we will send you a link to choose a new password."
      notice={notice}
      footer={
        <>
          Remembered it? <Link href="/login">Back to sign in</Link>
        </>
      }
    >
      {sentTo !== null ? (
        <div className={styles.success} role="status">
          <p>
            <strong>{RESET_LINK_SENT_MESSAGE}</strong>
          </p>
          <p>
            Check the inbox of {sentTo}. The link works once, for an hour. Nothing arrived? Check the address and{' '}
            <button type="button" className={styles.inlineButton} onClick={() => setSentTo(null)}>
              try again
            </button>
            .
          </p>
        </div>
      ) : (
        <form
          className={styles.form}
          method="post"
          noValidate
          onSubmit={handleSubmit}
          aria-describedby={error !== null ? 'forgot-error' : undefined}
        >
          <fieldset className={styles.fields} disabled={!hydrated}>
            <div className={styles.field}>
              <label htmlFor="forgot-email">Email</label>
              <input
                ref={emailRef}
                id="forgot-email"
                name="email"
                type="email"
                autoComplete="username"
                required
                value={email}
                aria-invalid={fieldError !== null}
                aria-describedby={fieldError !== null ? 'forgot-email-error' : undefined}
                onChange={(event) => {
                  setEmail(event.target.value);
                  setFieldError(null);
                }}
              />
              {fieldError !== null && (
                <span id="forgot-email-error" className={styles.fieldError}>
                  {fieldError}
                </span>
              )}
            </div>

            {error !== null && (
              <p id="forgot-error" className={styles.error} role="alert">
                {error}
              </p>
            )}

            <button type="submit" className="btn btn-primary btn-block" disabled={pending} aria-busy={pending}>
              Send reset link
            </button>
          </fieldset>
        </form>
      )}
    </AuthScreen>
  );
}
