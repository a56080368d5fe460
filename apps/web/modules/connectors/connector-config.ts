// The "Add connector" and "Edit connector" forms' values → the `config` / `credentials` JSON the API stores, checked as the API's
// sources check them (apps/api/src/modules/resource-sync/sources/*), so a mistake is named under its field before
// anything is sent. Pure functions, so they are tested without a browser.

// Relative, not `@/`: the unit specs run without the app's path aliases.
import { type ActionError, blamedField } from '../../lib/action-result';
import type { Connector, ConnectorKind, CreateConnectorInput, UpdateConnectorInput } from './connectors.queries';

/** Everything the form holds; each kind reads its own fields and ignores the others'. */
export interface ConnectorDraft {
  kind: ConnectorKind;
  name: string;
  /** Seconds between full listings, as typed. */
  interval: string;
  enabled: boolean;
  // k8s
  server: string;
  clusterName: string;
  /** PEM of the cluster CA; empty: the system CAs. */
  caData: string;
  insecureSkipTlsVerify: boolean;
  // k8s and netbox (a credential)
  token: string;
  // aws
  /** Comma- or space-separated region names. */
  regions: string;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  // netbox
  url: string;
  // file
  format: 'csv' | 'json';
  content: string;
}

export type DraftField = Exclude<keyof ConnectorDraft, 'kind' | 'enabled'>;
export type DraftErrors = Partial<Record<DraftField, string>>;

export const DEFAULT_INTERVAL_SECONDS = 300;
export const MIN_INTERVAL_SECONDS = 30;
export const MAX_INTERVAL_SECONDS = 86_400;
export const MAX_NAME_LENGTH = 100;
export const MAX_REGIONS = 40;
/** The API's file import limit (`FILE_IMPORT_LIMITS.maxBytes`). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export const EMPTY_DRAFT: ConnectorDraft = {
  kind: 'file',
  name: '',
  interval: String(DEFAULT_INTERVAL_SECONDS),
  enabled: true,
  server: '',
  clusterName: '',
  caData: '',
  insecureSkipTlsVerify: false,
  token: '',
  regions: '',
  endpoint: '',
  accessKeyId: '',
  secretAccessKey: '',
  url: '',
  format: 'csv',
  content: '',
};

/** The fields each kind shows, in the form's order (name, interval and enabled are common). */
export const KIND_FIELDS: Record<ConnectorKind, readonly DraftField[]> = {
  k8s: ['server', 'clusterName', 'caData', 'token'],
  aws: ['regions', 'endpoint', 'accessKeyId', 'secretAccessKey'],
  netbox: ['url', 'token'],
  file: ['format', 'content'],
};

export const KIND_LABELS: Record<ConnectorKind, string> = {
  k8s: 'Kubernetes',
  aws: 'AWS',
  netbox: 'NetBox',
  file: 'File import',
};

export function kindLabel(kind: string): string {
  return Object.hasOwn(KIND_LABELS, kind) ? KIND_LABELS[kind as ConnectorKind] : kind;
}

const NAME_PATTERN = /^[\p{L}\p{N} ._-]+$/u;
/** The API's AWS region rule (`REGION_PATTERN`). */
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** NetBox tokens: printable ASCII without spaces, 8–256 (the API's rule). */
const NETBOX_TOKEN_PATTERN = /^[\x21-\x7e]{8,256}$/;
const BOM = '\ufeff';

export type BuildResult = { ok: true; input: CreateConnectorInput } | { ok: false; errors: DraftErrors };

export function connectorNameError(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name for the connector.';
  if (trimmed.length > MAX_NAME_LENGTH) return `The name can be ${MAX_NAME_LENGTH} characters at most.`;
  if (!NAME_PATTERN.test(trimmed)) return 'The name may contain letters, digits, spaces, dots, dashes and underscores.';
  return undefined;
}

export function parseInterval(raw: string): { ok: true; seconds: number } | { ok: false; message: string } {
  const trimmed = raw.trim();
  const message = `Enter whole seconds from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS.toLocaleString('en-US')}.`;
  if (!/^\d{1,6}$/.test(trimmed)) return { ok: false, message };
  const seconds = Number(trimmed);
  if (seconds < MIN_INTERVAL_SECONDS || seconds > MAX_INTERVAL_SECONDS) return { ok: false, message };
  return { ok: true, seconds };
}

/** Region names from "eu-west-1, us-east-1" (commas, spaces or new lines), each once, in the order given. */
export function parseRegions(raw: string): string[] {
  return [...new Set(raw.split(/[\s,]+/).filter((region) => region !== ''))];
}

function httpUrlError(raw: string, what: string, example: string): string | undefined {
  const value = raw.trim();
  if (value === '') return `Enter the ${what}, e.g. ${example}.`;
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return `The ${what} must be an http:// or https:// URL.`;
  return undefined;
}

function regionsError(raw: string): string | undefined {
  const regions = parseRegions(raw);
  if (regions.length === 0) return 'Enter at least one region, e.g. eu-west-1.';
  if (regions.length > MAX_REGIONS) return `At most ${MAX_REGIONS} regions.`;
  const wrong = regions.find((region) => !REGION_PATTERN.test(region));
  return wrong === undefined ? undefined : `“${wrong}” is not an AWS region name (like eu-west-1).`;
}

/**
 * What the API's file import would refuse before reading a single row: an empty or oversized document, JSON that
 * does not parse or is no list of resources, a CSV without its required columns. Row-level problems are the
 * API's to name (with their line), since it knows the kinds and references.
 */
export function fileContentError(format: 'csv' | 'json', content: string): string | undefined {
  if (content.trim() === '') return 'Paste the document or choose a file.';
  const bytes = new TextEncoder().encode(content).length;
  if (bytes > MAX_FILE_BYTES) return `The document is ${bytes.toLocaleString('en-US')} bytes; the limit is 32 MiB.`;
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content.startsWith(BOM) ? content.slice(1) : content);
    } catch (error) {
      return `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
    const list = Array.isArray(parsed)
      ? parsed
      : typeof parsed === 'object' && parsed !== null
        ? (parsed as Record<string, unknown>).resources
        : undefined;
    if (!Array.isArray(list)) return 'The JSON must be an array of resources, or { "resources": [...] }.';
    return undefined;
  }
  const headerLine = (content.startsWith(BOM) ? content.slice(1) : content).split(/\r\n|\r|\n/, 1)[0] ?? '';
  const columns = headerLine.split(',').map((column) => column.trim().replace(/^"(.*)"$/, '$1'));
  const missing = ['kind', 'externalId'].filter((required) => !columns.includes(required));
  if (missing.length > 0) {
    return `The first line must name the columns; ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing.`;
  }
  return undefined;
}

/** A kind's own fields checked, as the config and credentials the API stores. */
interface KindFieldsResult {
  errors: DraftErrors;
  config: Record<string, unknown>;
  /** Undefined when the kind needs none, or (editing) when none were typed: the stored ones stay. */
  credentials: Record<string, string> | undefined;
}

/**
 * `required`: a new connector, every secret must be typed. `keep`: editing one whose secrets are stored; blank
 * secret fields keep them, typed ones replace them (all of the kind's secrets at once, as the API stores them).
 */
type CredentialMode = 'required' | 'keep';

function checkKindFields(draft: ConnectorDraft, credentialMode: CredentialMode): KindFieldsResult {
  const errors: DraftErrors = {};
  const keep = credentialMode === 'keep';
  let config: Record<string, unknown> = {};
  let credentials: Record<string, string> | undefined;
  switch (draft.kind) {
    case 'k8s': {
      const serverError = httpUrlError(draft.server, 'API server URL', 'https://10.0.0.1:6443');
      if (serverError !== undefined) errors.server = serverError;
      const token = draft.token.trim();
      if (token === '' && !keep) errors.token = 'Enter a service account token.';
      config = {
        server: draft.server.trim(),
        ...(draft.clusterName.trim() !== '' ? { clusterName: draft.clusterName.trim() } : {}),
        ...(draft.caData.trim() !== '' ? { caData: draft.caData.trim() } : {}),
        ...(draft.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
      };
      if (token !== '' || !keep) credentials = { token };
      break;
    }
    case 'aws': {
      const regionError = regionsError(draft.regions);
      if (regionError !== undefined) errors.regions = regionError;
      if (draft.endpoint.trim() !== '') {
        const endpointError = httpUrlError(draft.endpoint, 'endpoint', 'http://localhost:4566');
        if (endpointError !== undefined) errors.endpoint = endpointError;
      }
      const accessKeyId = draft.accessKeyId.trim();
      const secretAccessKey = draft.secretAccessKey.trim();
      // The key pair is replaced as a whole: one half typed needs the other.
      const replacing = !keep || accessKeyId !== '' || secretAccessKey !== '';
      if (replacing && accessKeyId === '') errors.accessKeyId = 'Enter the access key id.';
      if (replacing && secretAccessKey === '') errors.secretAccessKey = 'Enter the secret access key.';
      config = {
        regions: parseRegions(draft.regions),
        ...(draft.endpoint.trim() !== '' ? { endpoint: draft.endpoint.trim() } : {}),
      };
      if (replacing) credentials = { accessKeyId, secretAccessKey };
      break;
    }
    case 'netbox': {
      const urlError = httpUrlError(draft.url, 'NetBox URL', 'https://netbox.example.com');
      if (urlError !== undefined) errors.url = urlError;
      const token = draft.token.trim();
      if ((token !== '' || !keep) && !NETBOX_TOKEN_PATTERN.test(token)) {
        errors.token = 'Enter the NetBox API token (8 to 256 characters, no spaces).';
      }
      config = { url: draft.url.trim().replace(/\/+$/, '') };
      if (token !== '' || !keep) credentials = { token };
      break;
    }
    case 'file': {
      const contentError = fileContentError(draft.format, draft.content);
      if (contentError !== undefined) errors.content = contentError;
      config = { format: draft.format, content: draft.content };
      break;
    }
  }
  return { errors, config, credentials };
}

/** Checks the draft of `draft.kind` and builds the API input, or says what is wrong under each field. */
export function buildConnectorInput(draft: ConnectorDraft): BuildResult {
  const errors: DraftErrors = {};
  const nameError = connectorNameError(draft.name);
  if (nameError !== undefined) errors.name = nameError;
  const interval = parseInterval(draft.interval);
  if (!interval.ok) errors.interval = interval.message;
  const kindFields = checkKindFields(draft, 'required');
  Object.assign(errors, kindFields.errors);

  if (Object.keys(errors).length > 0 || !interval.ok) return { ok: false, errors };
  return {
    ok: true,
    input: {
      kind: draft.kind,
      name: draft.name.trim(),
      config: kindFields.config,
      ...(kindFields.credentials !== undefined ? { credentials: kindFields.credentials } : {}),
      enabled: draft.enabled,
      intervalSeconds: interval.seconds,
    },
  };
}

/** The stored config keys each kind's form shows; any other key (set through the API) is kept as it is. */
const FORM_CONFIG_KEYS: Record<ConnectorKind, readonly string[]> = {
  k8s: ['server', 'clusterName', 'caData', 'insecureSkipTlsVerify'],
  // `region` is the API's older single-region spelling; the form writes it as `regions`.
  aws: ['regions', 'region', 'endpoint'],
  netbox: ['url'],
  file: ['format', 'content'],
};

export function isConnectorKind(kind: string): kind is ConnectorKind {
  return Object.hasOwn(KIND_FIELDS, kind);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The edit form's starting point: the stored config, name and interval; secret fields empty (never returned). */
export function draftFromConnector(connector: EditableConnector): ConnectorDraft | undefined {
  if (!isConnectorKind(connector.kind)) return undefined;
  const config = connector.config;
  const regions = Array.isArray(config.regions) ? config.regions : config.region !== undefined ? [config.region] : [];
  return {
    ...EMPTY_DRAFT,
    kind: connector.kind,
    name: connector.name,
    interval: String(connector.intervalSeconds),
    enabled: connector.enabled,
    server: text(config.server),
    clusterName: text(config.clusterName),
    caData: text(config.caData),
    insecureSkipTlsVerify: config.insecureSkipTlsVerify === true,
    regions: regions.filter((region): region is string => typeof region === 'string').join(', '),
    endpoint: text(config.endpoint),
    url: text(config.url),
    format: config.format === 'json' ? 'json' : 'csv',
    content: text(config.content),
  };
}

/** What the edit form needs of a stored connector. */
export type EditableConnector = Pick<
  Connector,
  'kind' | 'name' | 'config' | 'enabled' | 'intervalSeconds' | 'hasCredentials'
>;

export type UpdateResult = { ok: true; input: UpdateConnectorInput } | { ok: false; errors: DraftErrors };

/** JSON with sorted keys, so two configs compare by content whatever order their keys were written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/**
 * Checks an edited draft as the add form checks a new one, and builds an update holding only what changed: the
 * name, interval or enabled flag when they differ; the whole config (the API replaces it) when any of its values
 * differ, with keys the form does not show kept; credentials only when typed. A connector stored without secrets
 * needs them typed, as a new one does.
 */
export function buildConnectorUpdate(draft: ConnectorDraft, stored: EditableConnector): UpdateResult {
  const errors: DraftErrors = {};
  const nameError = connectorNameError(draft.name);
  if (nameError !== undefined) errors.name = nameError;
  const interval = parseInterval(draft.interval);
  if (!interval.ok) errors.interval = interval.message;
  const kindFields = checkKindFields(draft, stored.hasCredentials ? 'keep' : 'required');
  Object.assign(errors, kindFields.errors);
  if (Object.keys(errors).length > 0 || !interval.ok) return { ok: false, errors };

  const input: UpdateConnectorInput = {};
  const name = draft.name.trim();
  if (name !== stored.name) input.name = name;
  if (interval.seconds !== stored.intervalSeconds) input.intervalSeconds = interval.seconds;
  if (draft.enabled !== stored.enabled) input.enabled = draft.enabled;
  const shown = new Set(FORM_CONFIG_KEYS[draft.kind]);
  const kept = Object.fromEntries(Object.entries(stored.config).filter(([key]) => !shown.has(key)));
  const config = { ...kept, ...kindFields.config };
  if (canonicalJson(config) !== canonicalJson(stored.config)) input.config = config;
  if (kindFields.credentials !== undefined) input.credentials = kindFields.credentials;
  return { ok: true, input };
}

/**
 * The form field an API refusal is about. The API names `name` (a taken name) in `extensions.field`, and blames
 * `config` for anything its source refuses, with a message that starts with the key (`config.server must be …`,
 * `credentials.token must be …`, `import rejected: line 3, …`): that key picks the field of the kind's form.
 */
export function fieldForConnectorError(kind: ConnectorKind, error: ActionError): DraftField | undefined {
  const message = withoutSourceCode(error.message);
  const path = /^(config|credentials)\.([A-Za-z]+)/.exec(message);
  const key = path?.[2];
  const candidates: Array<DraftField | undefined> = [];
  if (key !== undefined) {
    if (key === 'elbEndpoint' || key === 'stsEndpoint') candidates.push('endpoint');
    else if (key === 'clientCertificate' || key === 'clientKey') candidates.push('token');
    else candidates.push(key as DraftField);
  }
  if (/^import rejected\b/i.test(message)) candidates.push('content');
  if (/^credentials need accessKeyId/.test(message)) candidates.push('accessKeyId');
  const blamed = blamedField(error);
  if (blamed === 'name' || blamed === 'intervalSeconds') candidates.push(blamed === 'name' ? 'name' : 'interval');
  const shown = new Set<DraftField>(['name', 'interval', ...KIND_FIELDS[kind]]);
  return candidates.find((field): field is DraftField => field !== undefined && shown.has(field));
}

/** The API prefixes a source's refusal with its code (`config: …`, `malformed: import rejected: …`). */
const SOURCE_ERROR_CODE = /^(unreachable|unauthorized|rate_limited|malformed|partial|config|expired):\s*/;

export function withoutSourceCode(message: string): string {
  return message.trim().replace(SOURCE_ERROR_CODE, '');
}

/** The API's message as a sentence under a field: "config: config.url must be …" → "Config.url must be …". */
export function asFieldMessage(message: string): string {
  const trimmed = withoutSourceCode(message);
  if (trimmed === '') return trimmed;
  const sentence = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
