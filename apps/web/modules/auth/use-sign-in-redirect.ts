'use client';

import { useRouter } from 'next/navigation';
import { useCallback } from 'react';

/** Sends the user to the sign-in page, e.g. once the API says the session is gone. */
export function useSignInRedirect(): () => void {
  const router = useRouter();
  return useCallback(() => router.replace('/login'), [router]);
}
