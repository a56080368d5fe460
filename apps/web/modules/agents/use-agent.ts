'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { graphqlRequest } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { usePolling } from '@/lib/use-polling';
import {
  AGENT_QUERY,
  type AgentDetail,
  DELETE_AGENT_MUTATION,
  REVOKE_AGENT_MUTATION,
  UPDATE_AGENT_MUTATION,
  type UpdateAgentInput,
} from './agents.queries';
import { AGENTS_REFRESH_MS } from './use-agents';

export interface AgentController {
  /** Null until loaded (or when the agent does not exist). */
  agent: AgentDetail | null;
  loading: boolean;
  refreshing: boolean;
  error: LoadError | null;
  updatedAt: Date | null;
  refresh: () => void;
  update: (input: UpdateAgentInput) => Promise<ActionResult<AgentDetail>>;
  revoke: () => Promise<ActionResult<AgentDetail>>;
  remove: () => Promise<ActionResult<boolean>>;
}

/** One agent, kept fresh like the fleet list, and the actions on it; what an action returns is shown at once. */
export function useAgent(id: number, onUnauthenticated: () => void): AgentController {
  const [agent, setAgent] = useState<AgentDetail | null>(null);
  const [status, setStatus] = useState<{ loading: boolean; refreshing: boolean; error: LoadError | null }>({
    loading: true,
    refreshing: false,
    error: null,
  });
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const inFlightRef = useRef<AbortController | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  const load = useCallback(
    async (kind: 'manual' | 'auto'): Promise<void> => {
      // Polling never interrupts a fetch in flight; a user's request does.
      if (kind === 'auto' && inFlightRef.current !== null) return;
      inFlightRef.current?.abort();
      const controller = new AbortController();
      inFlightRef.current = controller;
      setStatus((previous) => ({ ...previous, refreshing: true }));
      try {
        const data = await graphqlRequest(AGENT_QUERY, { id }, { signal: controller.signal });
        if (controller.signal.aborted) return;
        setAgent(data.agent);
        setUpdatedAt(new Date());
        setStatus({ loading: false, refreshing: false, error: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        const loadError = fail(error);
        // A deleted agent is gone from the page too; other failures keep what is on screen.
        if (loadError.code === 'NOT_FOUND') setAgent(null);
        setStatus({ loading: false, refreshing: false, error: loadError });
      } finally {
        if (inFlightRef.current === controller) inFlightRef.current = null;
      }
    },
    [id, fail],
  );

  useEffect(() => {
    void load('manual');
    return () => {
      inFlightRef.current?.abort();
      inFlightRef.current = null;
    };
  }, [load]);

  usePolling(() => void load('auto'), AGENTS_REFRESH_MS, status.error?.code !== 'NOT_FOUND');

  /** Shows what the API returned, and drops a poll in flight that would bring back the state before it. */
  const show = useCallback((next: AgentDetail): AgentDetail => {
    inFlightRef.current?.abort();
    inFlightRef.current = null;
    setAgent(next);
    setUpdatedAt(new Date());
    setStatus({ loading: false, refreshing: false, error: null });
    return next;
  }, []);

  const update = useCallback(
    (input: UpdateAgentInput) =>
      runAction(async () => show((await graphqlRequest(UPDATE_AGENT_MUTATION, { id, input })).updateAgent), fail),
    [id, fail, show],
  );

  const revoke = useCallback(
    () => runAction(async () => show((await graphqlRequest(REVOKE_AGENT_MUTATION, { id })).revokeAgent), fail),
    [id, fail, show],
  );

  const remove = useCallback(
    () =>
      runAction(async () => {
        const { deleteAgent } = await graphqlRequest(DELETE_AGENT_MUTATION, { id });
        inFlightRef.current?.abort();
        return deleteAgent;
      }, fail),
    [id, fail],
  );

  const refresh = useCallback(() => void load('manual'), [load]);

  return { agent, ...status, updatedAt, refresh, update, revoke, remove };
}
