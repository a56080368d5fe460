'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ErrorCode, graphqlRequest, isGraphQLRequestError } from '@/lib/graphql';
import { AGENTS_QUERY, type Agent } from './agents.queries';

/** Agents report every few seconds and go OFFLINE after 60 s; polling faster than this adds nothing. */
export const AGENTS_REFRESH_MS = 10_000;

export interface AgentsError {
  code: ErrorCode;
  message: string;
}

export interface AgentsState {
  agents: Agent[];
  /** Nothing loaded yet. */
  loading: boolean;
  refreshing: boolean;
  error: AgentsError | null;
  updatedAt: Date | null;
}

export interface UseAgentsOptions {
  /** Poll every {@link AGENTS_REFRESH_MS} while the tab is visible. */
  autoRefresh: boolean;
  onUnauthenticated: () => void;
}

export interface AgentsController {
  state: AgentsState;
  /** Fetch now (cancels a fetch in flight). */
  refresh: () => void;
  /** Fetch only if the last fetch started at least {@link AGENTS_REFRESH_MS} ago. */
  refreshIfStale: () => void;
}

const INITIAL_STATE: AgentsState = { agents: [], loading: true, refreshing: false, error: null, updatedAt: null };

function toAgentsError(error: unknown): AgentsError {
  if (isGraphQLRequestError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_SERVER_ERROR', message: error instanceof Error ? error.message : String(error) };
}

/** Loads the tenant's agents on mount and keeps them fresh; previous agents stay on screen during a refresh. */
export function useAgents({ autoRefresh, onUnauthenticated }: UseAgentsOptions): AgentsController {
  const [state, setState] = useState<AgentsState>(INITIAL_STATE);
  const inFlightRef = useRef<AbortController | null>(null);
  const startedAtRef = useRef<number | null>(null);
  const onUnauthenticatedRef = useRef(onUnauthenticated);

  useEffect(() => {
    onUnauthenticatedRef.current = onUnauthenticated;
  }, [onUnauthenticated]);

  const load = useCallback(async (kind: 'manual' | 'auto'): Promise<void> => {
    // Polling never interrupts a fetch in flight; a user's request does.
    if (kind === 'auto' && inFlightRef.current !== null) return;
    inFlightRef.current?.abort();
    const controller = new AbortController();
    inFlightRef.current = controller;
    startedAtRef.current = Date.now();
    setState((previous) => ({ ...previous, refreshing: true }));
    try {
      const { agents } = await graphqlRequest(AGENTS_QUERY, {}, { signal: controller.signal });
      if (controller.signal.aborted) return;
      setState({ agents, loading: false, refreshing: false, error: null, updatedAt: new Date() });
    } catch (error) {
      if (controller.signal.aborted) return;
      const agentsError = toAgentsError(error);
      if (agentsError.code === 'UNAUTHENTICATED') onUnauthenticatedRef.current();
      setState((previous) => ({ ...previous, loading: false, refreshing: false, error: agentsError }));
    } finally {
      if (inFlightRef.current === controller) inFlightRef.current = null;
    }
  }, []);

  useEffect(() => {
    void load('manual');
    return () => {
      inFlightRef.current?.abort();
      inFlightRef.current = null;
    };
  }, [load]);

  useEffect(() => {
    if (!autoRefresh) return;
    const timer = setInterval(() => {
      // No point polling for a tab nobody is looking at.
      if (document.visibilityState === 'hidden') return;
      void load('auto');
    }, AGENTS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [autoRefresh, load]);

  const refresh = useCallback(() => void load('manual'), [load]);
  const refreshIfStale = useCallback(() => {
    const startedAt = startedAtRef.current;
    if (startedAt !== null && Date.now() - startedAt < AGENTS_REFRESH_MS) return;
    void load('auto');
  }, [load]);

  return { state, refresh, refreshIfStale };
}
