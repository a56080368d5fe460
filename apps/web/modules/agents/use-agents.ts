'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { usePolling } from '@/lib/use-polling';
import { AGENTS_QUERY, type Agent } from './agents.queries';

/** Agents report every few seconds and go OFFLINE after 60 s; polling faster than this adds nothing. */
export const AGENTS_REFRESH_MS = 10_000;

export interface AgentsState {
  agents: Agent[];
  /** Nothing loaded yet. */
  loading: boolean;
  refreshing: boolean;
  error: LoadError | null;
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

/** Loads the tenant's agents on mount and keeps them fresh; previous agents stay on screen during a refresh. */
export function useAgents({ autoRefresh, onUnauthenticated }: UseAgentsOptions): AgentsController {
  const [state, setState] = useState<AgentsState>(INITIAL_STATE);
  const inFlightRef = useRef<AbortController | null>(null);
  const startedAtRef = useRef<number | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  const load = useCallback(
    async (kind: 'manual' | 'auto'): Promise<void> => {
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
        const loadError = fail(error);
        setState((previous) => ({ ...previous, loading: false, refreshing: false, error: loadError }));
      } finally {
        if (inFlightRef.current === controller) inFlightRef.current = null;
      }
    },
    [fail],
  );

  useEffect(() => {
    void load('manual');
    return () => {
      inFlightRef.current?.abort();
      inFlightRef.current = null;
    };
  }, [load]);

  usePolling(() => void load('auto'), AGENTS_REFRESH_MS, autoRefresh);

  const refresh = useCallback(() => void load('manual'), [load]);
  const refreshIfStale = useCallback(() => {
    const startedAt = startedAtRef.current;
    if (startedAt !== null && Date.now() - startedAt < AGENTS_REFRESH_MS) return;
    void load('auto');
  }, [load]);

  return { state, refresh, refreshIfStale };
}
