// Display formatting and health rules for the agents list and the request log's health banner.
// Pure functions, so they are tested without a browser.

import type { Agent, AgentCounter, AgentState } from './agents.queries';

/** Counter names the console shows; agents report more. */
export const COUNTERS = {
  ebpfDropped: 'ebpf.dropped',
  ebpfUserDropped: 'ebpf.user_dropped',
  rowsShipped: 'shipper.rows_shipped',
  rowsDropped: 'shipper.rows_dropped',
  rssBytes: 'process.rss_bytes',
} as const;

export function counterValue(counters: readonly AgentCounter[], name: string): number | undefined {
  const value = counters.find((counter) => counter.name === name)?.value;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Events lost between kernel and agent: ebpf.dropped + ebpf.user_dropped; undefined if neither is reported. */
export function droppedEvents(counters: readonly AgentCounter[]): number | undefined {
  const kernel = counterValue(counters, COUNTERS.ebpfDropped);
  const user = counterValue(counters, COUNTERS.ebpfUserDropped);
  if (kernel === undefined && user === undefined) return undefined;
  return (kernel ?? 0) + (user ?? 0);
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1,234,567; a dash when the agent did not report the counter. */
export function formatCount(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : COUNT_FORMAT.format(value);
}

const MIB = 1024 * 1024;

/** 48.3 MiB; a dash when unknown. */
export function formatMiB(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

/** "5 s ago", "3 min ago", "2 h ago", "4 d ago"; "Never" without a timestamp. */
export function formatRelativeTime(iso: string | null, now: Date = new Date()): string {
  if (iso === null) return 'Never';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  // A clock slightly ahead of this browser's must not read "in 2 s".
  const seconds = Math.floor(Math.max(0, now.getTime() - then) / 1000);
  if (seconds < 1) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export type StateTone = 'ok' | 'warning' | 'inactive';

const STATE_LABELS: Record<AgentState, string> = {
  ONLINE: 'Online',
  DEGRADED: 'Degraded',
  OFFLINE: 'Offline',
  NEVER_SEEN: 'Never seen',
};

function isKnownState(state: string): state is AgentState {
  return Object.hasOwn(STATE_LABELS, state);
}

export function stateLabel(state: string): string {
  return isKnownState(state) ? STATE_LABELS[state] : state.replace(/_/g, ' ').toLowerCase();
}

/** Badge colour: ONLINE green, DEGRADED amber, everything else grey. */
export function stateTone(state: string): StateTone {
  if (state === 'ONLINE') return 'ok';
  if (state === 'DEGRADED') return 'warning';
  return 'inactive';
}

export interface CaptureWarning {
  agentId: number;
  agentName: string;
  /** The agent's first problem, or a generic reason when it reported none. */
  reason: string;
}

/**
 * Whether an agent needs attention: it reports DEGRADED, or eBPF capture is not working on its host.
 * An agent that never reported is left out: its ebpfOk is a default, not something it said.
 */
export function isNotCapturing(agent: Pick<Agent, 'state' | 'ebpfOk'>): boolean {
  if (agent.state === 'NEVER_SEEN') return false;
  return agent.state === 'DEGRADED' || !agent.ebpfOk;
}

export function captureWarnings(agents: readonly Agent[]): CaptureWarning[] {
  return agents.filter(isNotCapturing).map((agent) => ({
    agentId: agent.id,
    agentName: agent.name,
    reason:
      agent.problems.map((problem) => problem.trim()).find((problem) => problem !== '') ??
      (agent.ebpfOk ? 'the agent reports a degraded state' : 'eBPF capture is unavailable on this host'),
  }));
}

export function captureWarningMessage(warning: CaptureWarning): string {
  return `Agent ${warning.agentName} is not capturing: ${warning.reason}`;
}
