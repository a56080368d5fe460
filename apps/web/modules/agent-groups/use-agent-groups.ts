'use client';

import { useCallback, useState } from 'react';
import { type ActionResult, runAction } from '@/lib/action-result';
import { graphqlRequest } from '@/lib/graphql';
import { useLoadFailure } from '@/lib/load-error';
import { type LoadedController, useLoaded } from '@/lib/use-loaded';
import {
  AGENT_GROUPS_QUERY,
  type AgentGroup,
  type AgentGroupInput,
  CREATE_AGENT_GROUP_MUTATION,
  DELETE_AGENT_GROUP_MUTATION,
} from './agent-groups.queries';

/** The tenant's agent groups the viewer may see (the API lists them whole, not in pages). */
export async function fetchAgentGroups(signal: AbortSignal): Promise<AgentGroup[]> {
  return (await graphqlRequest(AGENT_GROUPS_QUERY, {}, { signal })).agentGroups;
}

export interface AgentGroupsController extends LoadedController<AgentGroup[]> {
  /** Groups on screen: as fetched, then as changed here. */
  groups: AgentGroup[];
  create: (input: AgentGroupInput) => Promise<ActionResult<AgentGroup>>;
  /** Deletes a group; its agents become ungrouped and its enrollment tokens go with it. */
  remove: (id: string) => Promise<ActionResult<boolean>>;
}

/** The agent groups, and the editor's actions on them. */
export function useAgentGroups({ onUnauthenticated }: { onUnauthenticated: () => void }): AgentGroupsController {
  const loaded = useLoaded(fetchAgentGroups, onUnauthenticated);
  const { reload } = loaded;
  const fail = useLoadFailure(onUnauthenticated);
  // Changes made here since the last fetch, applied on top of it; a reload replaces them.
  const [local, setLocal] = useState<{ base: AgentGroup[] | null; groups: AgentGroup[] } | null>(null);
  const groups = local !== null && local.base === loaded.data ? local.groups : (loaded.data ?? []);

  const change = useCallback(
    (update: (groups: AgentGroup[]) => AgentGroup[]) => {
      setLocal((previous) => {
        const current = previous !== null && previous.base === loaded.data ? previous.groups : (loaded.data ?? []);
        return { base: loaded.data, groups: update(current) };
      });
    },
    [loaded.data],
  );

  const create = useCallback(
    (input: AgentGroupInput) =>
      runAction(async () => {
        const { createAgentGroup } = await graphqlRequest(CREATE_AGENT_GROUP_MUTATION, { input });
        // In the API's order (by name), so the list does not reorder on the next fetch.
        change((current) =>
          [...current.filter((group) => group.id !== createAgentGroup.id), createAgentGroup].sort((a, b) =>
            a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
          ),
        );
        // A fetch that started before the change would drop it; the API's list has it.
        reload();
        return createAgentGroup;
      }, fail),
    [fail, change, reload],
  );

  const remove = useCallback(
    (id: string) =>
      runAction(async () => {
        const { deleteAgentGroup } = await graphqlRequest(DELETE_AGENT_GROUP_MUTATION, { id });
        change((current) => current.filter((group) => group.id !== id));
        reload();
        return deleteAgentGroup;
      }, fail),
    [fail, change, reload],
  );

  return { ...loaded, groups, create, remove };
}
