import { defineOperation } from '@/lib/graphql';

export type AgentState = 'ONLINE' | 'DEGRADED' | 'OFFLINE' | 'NEVER_SEEN';

export interface AgentCounter {
  name: string;
  value: number;
}

export interface Agent {
  id: number;
  name: string;
  hostname: string;
  version: string;
  /** Typed as string too: the API does not promise the set will never grow. */
  state: AgentState | (string & {});
  /** ISO date-time of the last check-in; null when the agent never checked in. */
  lastSeenAt: string | null;
  /** Whether the kernel offers what eBPF capture needs and the tracer runs. */
  ebpfOk: boolean;
  /** What is missing for capture, and how to fix it. */
  problems: string[];
  kernel: string | null;
  /** e.g. ebpf.submitted, ebpf.dropped, shipper.rows_shipped, shipper.rows_pending. */
  counters: AgentCounter[];
  /** The agent group it is in (policies can match it); null when ungrouped. */
  group: { id: string; name: string } | null;
  /** key=value; policies can match them. */
  labels: string[];
  /** The configuration version the agent reports it runs (0 = built-in defaults). */
  configVersion: number;
  /** Its group's current configuration version (0 = defaults). */
  desiredConfigVersion: number;
  /** Why the agent could not apply the configuration it was sent, if it said so. */
  configError: string | null;
  /** The agent's own resident memory at its last check-in. */
  rssBytes: number | null;
  /** ISO date-time; the gateway refuses a revoked agent. */
  revokedAt: string | null;
}

/** What the agent's host told the gateway when it enrolled. */
export interface AgentHostFacts {
  hostname: string;
  machineId: string;
  kernel: string;
  ips: string[];
  btf: boolean;
  capabilities: string[];
  cgroupVersion: number | null;
  agentVersion: string;
}

export interface AgentDetail extends Agent {
  /** The ingest gateway the agent ships to; null when no gateway is healthy. */
  ingestUrl: string | null;
  /** eBPF programs attached at the last check-in. */
  programs: string[];
  /** The agent's own CPU, percent of one core, at the last check-in. */
  cpuPercent: number | null;
  /** Null for agents provisioned before enrollment existed. */
  hostFacts: AgentHostFacts | null;
  enrolledAt: string | null;
}

export interface AgentsData {
  agents: Agent[];
}

const AGENT_FIELDS = `id name hostname version state lastSeenAt ebpfOk problems kernel
    counters { name value }
    group { id name } labels
    configVersion desiredConfigVersion configError rssBytes revokedAt`;

const AGENT_DETAIL_FIELDS = `${AGENT_FIELDS}
    ingestUrl programs cpuPercent enrolledAt
    hostFacts { hostname machineId kernel ips btf capabilities cgroupVersion agentVersion }`;

export const AGENTS_QUERY = defineOperation<AgentsData>(
  'Agents',
  `query Agents {
  agents {
    ${AGENT_FIELDS}
  }
}`,
);

export const AGENT_QUERY = defineOperation<{ agent: AgentDetail }, { id: number }>(
  'Agent',
  `query Agent($id: Int!) {
  agent(id: $id) {
    ${AGENT_DETAIL_FIELDS}
  }
}`,
);

export interface UpdateAgentInput {
  /** Move to this group. */
  groupId?: string;
  /** Leave its group. */
  ungroup?: boolean;
  /** Replaces the labels. */
  labels?: string[];
}

export const UPDATE_AGENT_MUTATION = defineOperation<
  { updateAgent: AgentDetail },
  { id: number; input: UpdateAgentInput }
>(
  'UpdateAgent',
  `mutation UpdateAgent($id: Int!, $input: UpdateAgentInput!) {
  updateAgent(id: $id, input: $input) {
    ${AGENT_DETAIL_FIELDS}
  }
}`,
);

export const REVOKE_AGENT_MUTATION = defineOperation<{ revokeAgent: AgentDetail }, { id: number }>(
  'RevokeAgent',
  `mutation RevokeAgent($id: Int!) {
  revokeAgent(id: $id) {
    ${AGENT_DETAIL_FIELDS}
  }
}`,
);

export const DELETE_AGENT_MUTATION = defineOperation<{ deleteAgent: boolean }, { id: number }>(
  'DeleteAgent',
  `mutation DeleteAgent($id: Int!) { deleteAgent(id: $id) }`,
);

export function agentsPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/agents`;
}

export function agentPath(tenantSlug: string, agentId: number): string {
  return `${agentsPath(tenantSlug)}/${agentId}`;
}
