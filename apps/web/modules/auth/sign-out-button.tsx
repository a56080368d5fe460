'use client';

import { useRouter } from 'next/navigation';
import { type JSX, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import { LOGOUT_MUTATION } from './auth.queries';

export interface SignOutButtonProps {
  className?: string;
}

export function SignOutButton({ className }: SignOutButtonProps): JSX.Element {
  const router = useRouter();
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const handleClick = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      await graphqlRequest(LOGOUT_MUTATION, {});
      router.replace('/login');
      router.refresh();
    } catch (caught) {
      // Without the API the session cookie cannot be revoked; say so rather than pretend.
      setError(caught instanceof Error ? caught.message : 'Sign-out failed.');
      setPending(false);
    }
  };

  return (
    <>
      {error !== null && (
        <span role="alert" className="topbar-error">
          {error}
        </span>
      )}
      <button
        type="button"
        className={className}
        onClick={handleClick}
        disabled={!hydrated || pending}
        aria-busy={pending}
      >
        Sign out
      </button>
    </>
  );
}
