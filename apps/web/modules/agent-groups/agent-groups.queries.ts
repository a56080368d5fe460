import type { AgentConfig } from '@bathyscope/wire/dist/agent-config';
import type { Connection, ConnectionArgs } from '@/lib/connection';
import { defineOperation } from '@/lib/graphql';
import { agentsPath } from '@/modules/agents/agents.queries';

export interface AgentGroup {
  id: string;
  name: string;
  description: string;
  /** Agents in the group that the viewer may see. */
  agentCount: number;
  createdAt: string;
  /** The group's current configuration version; 0 while it runs the built-in defaults. */
  configVersion: number;
}

export interface AgentGroupInput {
  name: string;
  description?: string;
}

const GROUP_FIELDS = 'id name description agentCount createdAt configVersion';

export const AGENT_GROUPS_QUERY = defineOperation<{ agentGroups: AgentGroup[] }>(
  'AgentGroups',
  `query AgentGroups { agentGroups { ${GROUP_FIELDS} } }`,
);

export const CREATE_AGENT_GROUP_MUTATION = defineOperation<
  { createAgentGroup: AgentGroup },
  { input: AgentGroupInput }
>(
  'CreateAgentGroup',
  `mutation CreateAgentGroup($input: AgentGroupInput!) { createAgentGroup(input: $input) { ${GROUP_FIELDS} } }`,
);

export const DELETE_AGENT_GROUP_MUTATION = defineOperation<{ deleteAgentGroup: boolean }, { id: string }>(
  'DeleteAgentGroup',
  'mutation DeleteAgentGroup($id: ID!) { deleteAgentGroup(id: $id) }',
);

/** One stored configuration of a group; version 0 stands for the built-in defaults. */
export interface AgentConfigVersion {
  version: number;
  /** The document as stored; checked before it is edited, since the API types it as JSON only. */
  config: AgentConfig;
  comment: string;
  /** Null for version 0. */
  createdAt: string | null;
  /** The author's email; null for version 0. */
  createdBy: string | null;
  /** Set when the version was made by rolling back to an older one. */
  rolledBackFrom: number | null;
}

const VERSION_FIELDS = 'version config comment createdAt createdBy rolledBackFrom';

export const AGENT_GROUP_CONFIG_QUERY = defineOperation<{ agentGroupConfig: AgentConfigVersion }, { groupId: string }>(
  'AgentGroupConfig',
  `query AgentGroupConfig($groupId: ID!) { agentGroupConfig(groupId: $groupId) { ${VERSION_FIELDS} } }`,
);

export const AGENT_GROUP_CONFIG_HISTORY_QUERY = defineOperation<
  { agentGroupConfigHistory: Connection<AgentConfigVersion> & { totalCount: number } },
  { groupId: string; page: ConnectionArgs }
>(
  'AgentGroupConfigHistory',
  `query AgentGroupConfigHistory($groupId: ID!, $page: ConnectionArgs) {
  agentGroupConfigHistory(groupId: $groupId, page: $page) {
    edges { cursor node { ${VERSION_FIELDS} } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`,
);

export const UPDATE_AGENT_GROUP_CONFIG_MUTATION = defineOperation<
  { updateAgentGroupConfig: AgentConfigVersion },
  { groupId: string; config: AgentConfig; comment: string }
>(
  'UpdateAgentGroupConfig',
  `mutation UpdateAgentGroupConfig($groupId: ID!, $config: JSON!, $comment: String) {
  updateAgentGroupConfig(groupId: $groupId, config: $config, comment: $comment) { ${VERSION_FIELDS} }
}`,
);

export const ROLLBACK_AGENT_GROUP_CONFIG_MUTATION = defineOperation<
  { rollbackAgentGroupConfig: AgentConfigVersion },
  { groupId: string; version: number }
>(
  'RollbackAgentGroupConfig',
  `mutation RollbackAgentGroupConfig($groupId: ID!, $version: Int!) {
  rollbackAgentGroupConfig(groupId: $groupId, version: $version) { ${VERSION_FIELDS} }
}`,
);

export const CONFIG_HISTORY_PAGE_SIZE = 20;

export function agentGroupsPath(tenantSlug: string): string {
  return `${agentsPath(tenantSlug)}/groups`;
}

export function agentGroupPath(tenantSlug: string, groupId: string): string {
  return `${agentGroupsPath(tenantSlug)}/${encodeURIComponent(groupId)}`;
}
