// The agent configuration editor's form: an AgentConfig as text fields, and back, checked with the same JSON
// schema the API and the agents use (packages/wire). Pure functions, so they are tested without a browser.

import {
  type AgentConfig,
  agentConfigSchema,
  DEFAULT_AGENT_CONFIG,
  validateAgentConfig,
} from '@bathyscope/wire/dist/agent-config';

/** What the inputs hold: toggles as booleans, everything else as typed. */
export interface ConfigDraft {
  l7Requests: boolean;
  http1Enabled: boolean;
  /** Comma-separated; empty captures every port. */
  ports: string;
  l7Rate: string;
  /** Comma-separated header names. */
  requestIdHeaders: string;
  maxPendingRows: string;
  cpuPercent: string;
  memoryMb: string;
  checkinIntervalSeconds: string;
}

export type DraftField = keyof ConfigDraft;
export type DraftErrors = Partial<Record<DraftField, string>>;

export function draftFromConfig(config: AgentConfig): ConfigDraft {
  return {
    l7Requests: config.collectors.l7Requests,
    http1Enabled: config.protocols.http1.enabled,
    ports: config.protocols.http1.ports.join(', '),
    l7Rate: String(config.sampling.l7Rate),
    requestIdHeaders: config.requestIdHeaders.join(', '),
    maxPendingRows: String(config.spool.maxPendingRows),
    cpuPercent: String(config.limits.cpuPercent),
    memoryMb: String(config.limits.memoryMb),
    checkinIntervalSeconds: String(config.checkinIntervalSeconds),
  };
}

const props = agentConfigSchema.properties;
const NUMBER_FORMAT = new Intl.NumberFormat('en-US');
const range = (bounds: { minimum: number; maximum: number }): string =>
  `${NUMBER_FORMAT.format(bounds.minimum)} to ${NUMBER_FORMAT.format(bounds.maximum)}`;
const portBounds = props.protocols.properties.http1.properties.ports;

/**
 * What each field accepts, from the schema's own limits, so the form and the API cannot disagree. Said under a
 * field the schema refuses (ajv's wording, "must be <= 1", names JSON, not the form).
 */
export const FIELD_RULES: Record<Exclude<DraftField, 'l7Requests' | 'http1Enabled'>, string> = {
  ports: `Whole numbers from ${range(portBounds.items)}, each once, at most ${portBounds.maxItems}; empty captures every port.`,
  l7Rate: `A share from ${range(props.sampling.properties.l7Rate)}: 1 keeps every request, 0.1 one connection in ten.`,
  requestIdHeaders: `Header names in lower case (letters, digits and - _ . !), each once, at most ${props.requestIdHeaders.maxItems}.`,
  maxPendingRows: `A whole number from ${range(props.spool.properties.maxPendingRows)}.`,
  cpuPercent: `A whole number from ${range(props.limits.properties.cpuPercent)} (percent of one core).`,
  memoryMb: `A whole number from ${range(props.limits.properties.memoryMb)} (MiB).`,
  checkinIntervalSeconds: `A whole number from ${range(props.checkinIntervalSeconds)} (seconds).`,
};

/** Where a schema error points (its JSON pointer), as the form field showing that value. */
const POINTER_FIELDS: ReadonlyArray<readonly [prefix: string, field: DraftField]> = [
  ['/collectors/l7Requests', 'l7Requests'],
  ['/protocols/http1/enabled', 'http1Enabled'],
  ['/protocols/http1/ports', 'ports'],
  ['/sampling/l7Rate', 'l7Rate'],
  ['/requestIdHeaders', 'requestIdHeaders'],
  ['/spool/maxPendingRows', 'maxPendingRows'],
  ['/limits/cpuPercent', 'cpuPercent'],
  ['/limits/memoryMb', 'memoryMb'],
  ['/checkinIntervalSeconds', 'checkinIntervalSeconds'],
];

/** The form field a validation message (`"/sampling/l7Rate: must be <= 1"`) is about, if any. */
export function fieldOfError(message: string): DraftField | undefined {
  const pointer = message.split(':', 1)[0]?.trim() ?? '';
  return POINTER_FIELDS.find(([prefix]) => pointer === prefix || pointer.startsWith(`${prefix}/`))?.[1];
}

/**
 * Validation messages (from `validateAgentConfig` or the API's `extensions.errors`) as errors under the fields
 * they are about, and the rest (a field the form does not show) as a list.
 */
export function errorsToFields(messages: readonly string[]): { fields: DraftErrors; other: string[] } {
  const fields: DraftErrors = {};
  const other: string[] = [];
  for (const message of messages) {
    const field = fieldOfError(message);
    if (field === undefined || field === 'l7Requests' || field === 'http1Enabled') other.push(message);
    else fields[field] ??= FIELD_RULES[field];
  }
  return { fields, other };
}

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim().replace(/[_,\s]/g, '');
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

export type ConfigFromDraft = { ok: true; config: AgentConfig } | { ok: false; fields: DraftErrors; other: string[] };

/**
 * The document the form describes, or what is wrong with it (checked with the agents' JSON schema). Settings the
 * form does not show (profiling, host metrics, the signal receiver, other protocols …) are kept from `base`, the
 * configuration being edited, so saving the form never resets them.
 */
export function configFromDraft(draft: ConfigDraft, base: AgentConfig = DEFAULT_AGENT_CONFIG): ConfigFromDraft {
  const fields: DraftErrors = {};
  const number = (field: Exclude<DraftField, 'l7Requests' | 'http1Enabled' | 'ports' | 'requestIdHeaders'>) => {
    const value = parseNumber(draft[field]);
    if (value === undefined) fields[field] = FIELD_RULES[field];
    return value ?? Number.NaN;
  };
  const ports = splitList(draft.ports).map((entry) => (/^\d+$/.test(entry) ? Number(entry) : Number.NaN));
  if (ports.some(Number.isNaN)) fields.ports = FIELD_RULES.ports;

  const config: AgentConfig = {
    ...base,
    collectors: { ...base.collectors, l7Requests: draft.l7Requests },
    protocols: { ...base.protocols, http1: { ...base.protocols.http1, enabled: draft.http1Enabled, ports } },
    sampling: { l7Rate: number('l7Rate') },
    // Header names are case-insensitive; the schema stores them in lower case.
    requestIdHeaders: splitList(draft.requestIdHeaders).map((name) => name.toLowerCase()),
    spool: { ...base.spool, maxPendingRows: number('maxPendingRows') },
    limits: { ...base.limits, cpuPercent: number('cpuPercent'), memoryMb: number('memoryMb') },
    checkinIntervalSeconds: number('checkinIntervalSeconds'),
  };
  if (Object.keys(fields).length > 0) return { ok: false, fields, other: [] };

  const verdict = validateAgentConfig(config);
  if (verdict.ok) return { ok: true, config: verdict.config };
  return { ok: false, ...errorsToFields(verdict.errors) };
}

/**
 * A stored document as the form's starting point. The API types it as JSON only, so a document this console
 * does not understand (a newer schema) starts from the defaults and says so rather than crashing the editor.
 */
export function readStoredConfig(config: unknown): { config: AgentConfig; problems: string[] } {
  const verdict = validateAgentConfig(config);
  return verdict.ok
    ? { config: verdict.config, problems: [] }
    : { config: DEFAULT_AGENT_CONFIG, problems: verdict.errors };
}

/** Indented JSON of a document, as shown in the history. */
export function configJson(config: unknown): string {
  return JSON.stringify(config, null, 2);
}

/** What changed between two documents, as "sampling.l7Rate: 1 → 0.5" lines (leaves only; arrays whole). */
export function configChanges(before: unknown, after: unknown, path = ''): string[] {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => configChanges(before[key], after[key], path === '' ? key : `${path}.${key}`));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const show = (value: unknown): string => (value === undefined ? '—' : JSON.stringify(value));
  return [`${path}: ${show(before)} → ${show(after)}`];
}
