'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, type JSX, useState } from 'react';
import { graphqlRequest, isGraphQLRequestError } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import { LOGIN_MUTATION, type LoginInput, requestLogPath } from './auth.queries';
import { AuthScreen } from './auth-screen';
import styles from './login.module.css';

export interface LoginViewProps {
  /** Set by the server when it could not ask the API about the session (e.g. the API is down). */
  notice?: string;
}

function messageFor(error: unknown): string {
  if (!isGraphQLRequestError(error)) return 'Sign-in failed. Please try again.';
  // The API's own message is shown as is; it knows whether to say "wrong password" or more.
  return error.message;
}

export function LoginView({ notice }: LoginViewProps): JSX.Element {
  const router = useRouter();
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const tenantSlug = String(form.get('tenantSlug') ?? '').trim();
    const input: LoginInput = {
      email: String(form.get('email') ?? '').trim(),
      password: String(form.get('password') ?? ''),
      ...(tenantSlug ? { tenantSlug } : {}),
    };
    setPending(true);
    setError(null);
    try {
      const { login } = await graphqlRequest(LOGIN_MUTATION, { input });
      router.replace(requestLogPath(login.tenant.slug));
      // Stay "pending" until the next page replaces this one.
    } catch (caught) {
      setError(messageFor(caught));
      setPending(false);
    }
  };

  return (
    <AuthScreen
      title="Sign in"
      subtitle="eBPF observability for your hosts and services."
      notice={notice}
      footer={
        <>
          New to Bathyscope? <Link href="/signup">Create an account</Link>
        </>
      }
    >
      <form
        className={styles.form}
        method="post"
        onSubmit={handleSubmit}
        aria-describedby={error ? 'login-error' : undefined}
      >
        <div className={styles.field}>
          <label htmlFor="login-email">Email</label>
          <input id="login-email" name="email" type="email" autoComplete="username" required />
        </div>
        <div className={styles.field}>
          <label htmlFor="login-password">Password</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required />
          <Link href="/forgot-password" className={styles.fieldLink}>
            Forgot password?
          </Link>
        </div>
        <div className={styles.field}>
          <label htmlFor="login-tenant">Tenant slug</label>
          <input
            id="login-tenant"
            name="tenantSlug"
            type="text"
            autoComplete="organization"
            spellCheck={false}
            aria-describedby="login-tenant-hint"
          />
          <span id="login-tenant-hint" className={styles.hint}>
            Optional. Needed only if your account belongs to more than one tenant.
          </span>
        </div>

        {error !== null && (
          <p id="login-error" className={styles.error} role="alert">
            {error}
          </p>
        )}

        <button type="submit" className="btn btn-primary btn-block" disabled={!hydrated || pending} aria-busy={pending}>
          Sign in
        </button>
      </form>
    </AuthScreen>
  );
}
