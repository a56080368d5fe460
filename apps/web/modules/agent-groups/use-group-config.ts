'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { CONNECTION_MAX_PAGE_SIZE, toConnectionPage } from '@/lib/connection';
import { graphqlRequest, isGraphQLRequestError } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { type ConnectionController, useConnection } from '@/lib/use-connection';
import type { AgentConfig } from '@bathyscope/wire/dist/agent-config';
import {
  AGENT_GROUP_CONFIG_HISTORY_QUERY,
  AGENT_GROUP_CONFIG_QUERY,
  type AgentConfigVersion,
  CONFIG_HISTORY_PAGE_SIZE,
  ROLLBACK_AGENT_GROUP_CONFIG_MUTATION,
  UPDATE_AGENT_GROUP_CONFIG_MUTATION,
} from './agent-groups.queries';

/** A history entry keyed for lists (versions are unique within a group). */
export type HistoryEntry = AgentConfigVersion & { id: string };

const entry = (version: AgentConfigVersion): HistoryEntry => ({ ...version, id: String(version.version) });

export interface SaveFailure {
  error: LoadError;
  /** The API's JSON-pointer messages for a refused document (`extensions.errors`). */
  errors: string[];
}

export interface GroupConfigController {
  /** The group's current version; null until loaded. */
  current: AgentConfigVersion | null;
  loading: boolean;
  error: LoadError | null;
  history: ConnectionController<HistoryEntry> & { totalCount: number | null };
  refresh: () => void;
  save: (
    config: AgentConfig,
    comment: string,
  ) => Promise<{ ok: true; value: AgentConfigVersion } | ({ ok: false } & SaveFailure)>;
  rollback: (version: number) => Promise<ActionResult<AgentConfigVersion>>;
}

/** The messages the API lists under `extensions.errors` for a document it refused. */
function documentErrors(error: unknown): string[] {
  if (!isGraphQLRequestError(error)) return [];
  const listed = error.errors[0]?.extensions?.errors;
  return Array.isArray(listed) ? listed.filter((item): item is string => typeof item === 'string') : [];
}

/** A group's configuration, its history (newest first) and the editor's actions on it. */
export function useGroupConfig(groupId: string, onUnauthenticated: () => void): GroupConfigController {
  const [current, setCurrent] = useState<AgentConfigVersion | null>(null);
  const [status, setStatus] = useState<{ loading: boolean; error: LoadError | null }>({ loading: true, error: null });
  const [totalCount, setTotalCount] = useState<number | null>(null);
  const inFlightRef = useRef<AbortController | null>(null);
  const fail = useLoadFailure(onUnauthenticated);

  const history = useConnection<HistoryEntry>({
    queryKey: `config-history:${groupId}`,
    fetchPage: async (page, signal) => {
      const { agentGroupConfigHistory } = await graphqlRequest(
        AGENT_GROUP_CONFIG_HISTORY_QUERY,
        { groupId, page },
        { signal },
      );
      setTotalCount(agentGroupConfigHistory.totalCount);
      const connection = toConnectionPage(agentGroupConfigHistory);
      return { ...connection, nodes: connection.nodes.map(entry) };
    },
    pageSize: CONFIG_HISTORY_PAGE_SIZE,
    maxPageSize: CONNECTION_MAX_PAGE_SIZE,
    onUnauthenticated,
  });
  const { updateItems, refresh: refreshHistory } = history;

  const loadCurrent = useCallback(async (): Promise<void> => {
    inFlightRef.current?.abort();
    const controller = new AbortController();
    inFlightRef.current = controller;
    setStatus((previous) => ({ ...previous, loading: true }));
    try {
      const { agentGroupConfig } = await graphqlRequest(
        AGENT_GROUP_CONFIG_QUERY,
        { groupId },
        { signal: controller.signal },
      );
      if (controller.signal.aborted) return;
      setCurrent(agentGroupConfig);
      setStatus({ loading: false, error: null });
    } catch (error) {
      if (controller.signal.aborted) return;
      setStatus({ loading: false, error: fail(error) });
    } finally {
      if (inFlightRef.current === controller) inFlightRef.current = null;
    }
  }, [groupId, fail]);

  useEffect(() => {
    void loadCurrent();
    return () => {
      inFlightRef.current?.abort();
      inFlightRef.current = null;
    };
  }, [loadCurrent]);

  /** A new version is the group's current one and heads the history. */
  const show = useCallback(
    (version: AgentConfigVersion): AgentConfigVersion => {
      inFlightRef.current?.abort();
      setCurrent(version);
      setStatus({ loading: false, error: null });
      updateItems((items) => [entry(version), ...items.filter((item) => item.version !== version.version)]);
      setTotalCount((count) => (count === null ? null : count + 1));
      return version;
    },
    [updateItems],
  );

  const save = useCallback(
    async (config: AgentConfig, comment: string) => {
      try {
        const { updateAgentGroupConfig } = await graphqlRequest(UPDATE_AGENT_GROUP_CONFIG_MUTATION, {
          groupId,
          config,
          comment,
        });
        return { ok: true as const, value: show(updateAgentGroupConfig) };
      } catch (error) {
        return { ok: false as const, error: fail(error), errors: documentErrors(error) };
      }
    },
    [groupId, fail, show],
  );

  const rollback = useCallback(
    (version: number) =>
      runAction(
        async () =>
          show(
            (await graphqlRequest(ROLLBACK_AGENT_GROUP_CONFIG_MUTATION, { groupId, version })).rollbackAgentGroupConfig,
          ),
        fail,
      ),
    [groupId, fail, show],
  );

  const refresh = useCallback(() => {
    void loadCurrent();
    refreshHistory();
  }, [loadCurrent, refreshHistory]);

  return {
    current,
    ...status,
    history: { ...history, totalCount },
    refresh,
    save,
    rollback,
  };
}
