'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, type JSX, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import { requestLogPath, SIGN_UP_MUTATION } from './auth.queries';
import { AuthScreen } from './auth-screen';
import styles from './login.module.css';
import {
  MIN_PASSWORD_LENGTH,
  SIGN_UP_FIELDS,
  type SignUpField,
  type SignUpFieldErrors,
  type SignUpValues,
  signUpFailure,
  suggestSlug,
  validateSignUp,
} from './sign-up-form';

export interface SignUpViewProps {
  /** Set by the server when it could not ask the API about the session (e.g. the API is down). */
  notice?: string;
}

const EMPTY: SignUpValues = { email: '', password: '', tenantName: '', tenantSlug: '' };

const INPUT_IDS: Record<SignUpField, string> = {
  email: 'signup-email',
  password: 'signup-password',
  tenantName: 'signup-tenant-name',
  tenantSlug: 'signup-tenant-slug',
};

/** `aria-describedby` for a field: its hint and its error, whichever it has. */
function describedBy(...ids: Array<string | false | undefined>): string | undefined {
  const present = ids.filter((id): id is string => typeof id === 'string');
  return present.length > 0 ? present.join(' ') : undefined;
}

export function SignUpView({ notice }: SignUpViewProps): JSX.Element {
  const router = useRouter();
  const hydrated = useHydrated();
  const [values, setValues] = useState<SignUpValues>(EMPTY);
  // The slug follows the organisation name until the user types one of their own.
  const [slugEdited, setSlugEdited] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<SignUpFieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const change = (patch: Partial<SignUpValues>): void => {
    setValues((previous) => ({ ...previous, ...patch }));
    // A field's error stays until that field is changed.
    setFieldErrors((previous) => {
      const next = { ...previous };
      for (const field of Object.keys(patch) as SignUpField[]) delete next[field];
      return next;
    });
  };

  const focusFirstInvalid = (errors: SignUpFieldErrors): void => {
    const first = SIGN_UP_FIELDS.find((field) => errors[field] !== undefined);
    if (first !== undefined) formRef.current?.querySelector<HTMLInputElement>(`#${INPUT_IDS[first]}`)?.focus();
  };

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const invalid = validateSignUp(values);
    if (Object.keys(invalid).length > 0) {
      setFieldErrors(invalid);
      focusFirstInvalid(invalid);
      return;
    }
    setPending(true);
    setFieldErrors({});
    try {
      const { signUp } = await graphqlRequest(SIGN_UP_MUTATION, {
        input: {
          email: values.email.trim(),
          password: values.password,
          tenantName: values.tenantName.trim(),
          tenantSlug: values.tenantSlug.trim(),
        },
      });
      router.replace(requestLogPath(signUp.tenant.slug));
      // Stay "pending" until the request log replaces this page.
    } catch (caught) {
      const failure = signUpFailure(caught);
      setFieldErrors(failure.fields);
      setError(failure.message);
      setPending(false);
      focusFirstInvalid(failure.fields);
    }
  };

  const errorId = (field: SignUpField): string | undefined =>
    fieldErrors[field] === undefined ? undefined : `${INPUT_IDS[field]}-error`;

  const fieldError = (field: SignUpField): JSX.Element | null => {
    const message = fieldErrors[field];
    return message === undefined ? null : (
      <span id={`${INPUT_IDS[field]}-error`} className={styles.fieldError}>
        {message}
      </span>
    );
  };

  return (
    <AuthScreen
      title="Create your account"
      subtitle="A new tenant for your organisation, with you as its owner."
      notice={notice}
      footer={
        <>
          Already have an account? <Link href="/login">Sign in instead</Link>
        </>
      }
    >
      <form
        ref={formRef}
        className={styles.form}
        method="post"
        noValidate
        onSubmit={handleSubmit}
        aria-describedby={error ? 'signup-error' : undefined}
      >
        <fieldset className={styles.fields} disabled={!hydrated}>
          <div className={styles.field}>
            <label htmlFor={INPUT_IDS.email}>Email</label>
            <input
              id={INPUT_IDS.email}
              name="email"
              type="email"
              autoComplete="email"
              required
              value={values.email}
              aria-invalid={fieldErrors.email !== undefined}
              aria-describedby={errorId('email')}
              onChange={(event) => change({ email: event.target.value })}
            />
            {fieldError('email')}
          </div>

          <div className={styles.field}>
            <label htmlFor={INPUT_IDS.password}>Password</label>
            <input
              id={INPUT_IDS.password}
              name="password"
              type="password"
              autoComplete="new-password"
              required
              value={values.password}
              aria-invalid={fieldErrors.password !== undefined}
              aria-describedby={describedBy('signup-password-hint', errorId('password'))}
              onChange={(event) => change({ password: event.target.value })}
            />
            <span id="signup-password-hint" className={styles.hint}>
              At least {MIN_PASSWORD_LENGTH} characters.
            </span>
            {fieldError('password')}
          </div>

          <div className={styles.field}>
            <label htmlFor={INPUT_IDS.tenantName}>Organisation name</label>
            <input
              id={INPUT_IDS.tenantName}
              name="tenantName"
              type="text"
              autoComplete="organization"
              required
              value={values.tenantName}
              aria-invalid={fieldErrors.tenantName !== undefined}
              aria-describedby={errorId('tenantName')}
              onChange={(event) => {
                const tenantName = event.target.value;
                change(slugEdited ? { tenantName } : { tenantName, tenantSlug: suggestSlug(tenantName) });
              }}
            />
            {fieldError('tenantName')}
          </div>

          <div className={styles.field}>
            <label htmlFor={INPUT_IDS.tenantSlug}>Tenant slug</label>
            <input
              id={INPUT_IDS.tenantSlug}
              name="tenantSlug"
              type="text"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={values.tenantSlug}
              aria-invalid={fieldErrors.tenantSlug !== undefined}
              aria-describedby={describedBy('signup-tenant-slug-hint', errorId('tenantSlug'))}
              onChange={(event) => {
                const tenantSlug = event.target.value.toLowerCase();
                // Emptied, it follows the organisation name again.
                setSlugEdited(tenantSlug !== '');
                change({ tenantSlug });
              }}
            />
            <span id="signup-tenant-slug-hint" className={styles.hint}>
              Lower-case letters, digits and dashes. Your console will be at{' '}
              <code>/t/{values.tenantSlug.trim() || 'your-slug'}</code>.
            </span>
            {fieldError('tenantSlug')}
          </div>

          {error !== null && (
            <p id="signup-error" className={styles.error} role="alert">
              {error}
            </p>
          )}

          <button type="submit" className="btn btn-primary btn-block" disabled={pending} aria-busy={pending}>
            Create account
          </button>
        </fieldset>
      </form>
    </AuthScreen>
  );
}
