'use client';

import { useCallback, useEffect, useRef } from 'react';
import { type ErrorCode, isGraphQLRequestError } from './graphql';

/** Why a view's data could not be fetched, as the view shows it. */
export interface LoadError {
  code: ErrorCode;
  message: string;
}

export function toLoadError(error: unknown): LoadError {
  if (isGraphQLRequestError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_SERVER_ERROR', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Turns what a failed fetch threw into a {@link LoadError}, first calling `onUnauthenticated` when the
 * session is gone (views send the user to sign in). The returned function never changes; it always
 * calls the latest `onUnauthenticated`.
 */
export function useLoadFailure(onUnauthenticated: () => void): (error: unknown) => LoadError {
  const onUnauthenticatedRef = useRef(onUnauthenticated);

  useEffect(() => {
    onUnauthenticatedRef.current = onUnauthenticated;
  }, [onUnauthenticated]);

  return useCallback((error: unknown): LoadError => {
    const loadError = toLoadError(error);
    if (loadError.code === 'UNAUTHENTICATED') onUnauthenticatedRef.current();
    return loadError;
  }, []);
}
