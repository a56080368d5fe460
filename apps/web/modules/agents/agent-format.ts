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
  rowsPending: 'shipper.rows_pending',
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

/** The agent's own memory: what its last check-in measured, else the counter older agents report. */
export function memoryBytes(agent: Pick<Agent, 'rssBytes' | 'counters'>): number | undefined {
  if (agent.rssBytes !== null && Number.isFinite(agent.rssBytes)) return agent.rssBytes;
  return counterValue(agent.counters, COUNTERS.rssBytes);
}

/** Problems worth listing: blank and repeated entries add nothing. */
export function distinctProblems(problems: readonly string[]): string[] {
  return [...new Set(problems.map((problem) => problem.trim()).filter((problem) => problem !== ''))];
}

/** The eBPF column: "OK", or "Not capturing" with how many problems the agent listed. */
export function captureSummary(agent: Pick<Agent, 'ebpfOk' | 'problems'>): string {
  if (agent.ebpfOk) return 'OK';
  const count = distinctProblems(agent.problems).length;
  return count === 0 ? 'Not capturing' : `Not capturing · ${count} ${count === 1 ? 'problem' : 'problems'}`;
}

/**
 * Whether the agent runs its group's configuration: `current`; `outdated` (it reports another version than its
 * group's: not applied yet, or refused); `error` (it said why it could not apply it); `unknown` before its first
 * check-in.
 */
export type ConfigSync = 'current' | 'outdated' | 'error' | 'unknown';

export function configSync(
  agent: Pick<Agent, 'lastSeenAt' | 'configVersion' | 'desiredConfigVersion' | 'configError'>,
): ConfigSync {
  if (agent.lastSeenAt === null) return 'unknown';
  if (agent.configError !== null && agent.configError.trim() !== '') return 'error';
  return agent.configVersion === agent.desiredConfigVersion ? 'current' : 'outdated';
}

/** "v3", "v0 (defaults)". */
export function configVersionLabel(version: number): string {
  return version === 0 ? 'v0 (defaults)' : `v${version}`;
}

/** The config column: "v3" when in step, "v2 → v3" while the agent is behind its group. */
export function configSummary(agent: Pick<Agent, 'lastSeenAt' | 'configVersion' | 'desiredConfigVersion'>): string {
  if (agent.lastSeenAt === null) return `— → v${agent.desiredConfigVersion}`;
  if (agent.configVersion === agent.desiredConfigVersion) return `v${agent.configVersion}`;
  return `v${agent.configVersion} → v${agent.desiredConfigVersion}`;
}

/** The API's rule for labels: `key=value`, the key starting with a letter or digit. */
const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=[^\p{Cc}]{0,253}$/u;
export const MAX_LABELS = 50;

export type LabelsChoice = { ok: true; labels: string[] } | { ok: false; message: string };

/** Labels typed one per line (a value may hold commas): each checked, blank lines and repeats dropped. */
export function parseLabels(text: string): LabelsChoice {
  const labels = [
    ...new Set(
      text
        .split('\n')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    ),
  ];
  const bad = labels.find((label) => !LABEL_PATTERN.test(label));
  if (bad !== undefined) {
    return {
      ok: false,
      message: `"${bad}" is not a label: write key=value, the key of letters, digits, ".", "_", "/" or "-".`,
    };
  }
  if (labels.length > MAX_LABELS) return { ok: false, message: `Use at most ${MAX_LABELS} labels.` };
  return { ok: true, labels };
}
