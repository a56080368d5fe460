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
  /** ISO date-time of the last status report; null when the agent never reported. */
  lastSeenAt: string | null;
  /** Whether the kernel offers what eBPF capture needs and the tracer runs. */
  ebpfOk: boolean;
  /** What is missing for capture, and how to fix it. */
  problems: string[];
  kernel: string | null;
  /** e.g. ebpf.submitted, ebpf.dropped, shipper.rows_shipped, process.rss_bytes. */
  counters: AgentCounter[];
  /** The agent group it is in (policies can match it); null when ungrouped. */
  group: { id: string; name: string } | null;
  /** key=value; policies can match them. */
  labels: string[];
}

export interface AgentsData {
  agents: Agent[];
}

export const AGENTS_QUERY = defineOperation<AgentsData>(
  'Agents',
  `query Agents {
  agents {
    id name hostname version state lastSeenAt ebpfOk problems kernel
    counters { name value }
    group { id name } labels
  }
}`,
);

export function agentsPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/agents`;
}
