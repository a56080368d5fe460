import { CsvSyntaxError, parseCsv } from './file-import-csv.js';
import { canonicalCidr, canonicalIp } from './ip-text.js';
import {
  type ConnectorSource,
  type DiscoveredKind,
  type DiscoveredResource,
  type ResourceKey,
  SourceError,
  type SourceListing,
} from './source-types.js';

/**
 * File import connector source: resources from a CSV or JSON document, for everything no API describes (racks of
 * appliances, business applications, partner networks). The document is validated whole before anything is
 * listed; every problem names its line (CSV) or JSON path and field, up to MAX_ISSUES of them.
 *
 * CSV columns (header row required, names case-sensitive): `kind`, `externalId` (required), `name`, `parentKind`,
 * `parentId`, `ips`, `cidrs` (space or semicolon separated), `members` (`kind/externalId`, space or semicolon
 * separated), `labels` (a JSON object of strings), `attributes` (a JSON object), and any number of `label.<key>`
 * columns (an empty cell sets no label).
 *
 * JSON: an array of resources, or `{ "resources": [...] }`, each
 * `{ kind, externalId, name?, parent?: {kind, externalId}, ips?, cidrs?, members?: [{kind, externalId}], labels?, attributes? }`.
 */
export interface FileImportConfig {
  format: 'csv' | 'json';
  content: string;
}

export const FILE_IMPORT_LIMITS = {
  maxBytes: 32 * 1024 * 1024,
  maxResources: 100_000,
  maxFieldLength: 64 * 1024,
  maxColumns: 200,
  maxLabels: 64,
  maxLabelKeyLength: 128,
  maxLabelValueLength: 1024,
  maxIdLength: 256,
  maxAddresses: 1024,
} as const;

const MAX_ISSUES = 50;

export const DISCOVERED_KINDS: readonly DiscoveredKind[] = [
  'region',
  'az',
  'vpc',
  'subnet',
  'host',
  'cluster',
  'namespace',
  'workload',
  'pod',
  'container',
  'service',
  'load_balancer',
  'application',
];
const KIND_SET = new Set<string>(DISCOVERED_KINDS);

export interface FileImportIssue {
  /** `line 7, field ips` (CSV) or `$[3].ips[1]` (JSON). */
  location: string;
  /** CSV only: the 1-based line of the record. */
  line?: number;
  message: string;
}

/** An import that fails validation; `issues` lists the problems for the console. Not retryable: the file is wrong. */
export class FileImportError extends SourceError {
  constructor(readonly issues: FileImportIssue[]) {
    super(
      `import rejected: ${issues
        .slice(0, 5)
        .map((i) => `${i.location}: ${i.message}`)
        .join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`,
      'malformed',
      false,
    );
    this.name = 'FileImportError';
  }
}

/**
 * Validates the document when the source is built, so saving a connector with a bad file is refused with the
 * line-precise issues (the connectors service builds the source at save time) instead of failing at its first run.
 */
export function createFileImportSource(config: unknown): ConnectorSource {
  const resources = parseFileImport(parseFileImportConfig(config));
  return {
    test: async () => undefined,
    list: async (): Promise<SourceListing> => ({ resources }),
  };
}

export function parseFileImportConfig(input: unknown): FileImportConfig {
  if (typeof input !== 'object' || input === null) throw new SourceError('config must be an object', 'config', false);
  const c = input as Record<string, unknown>;
  if (c['format'] !== 'csv' && c['format'] !== 'json')
    throw new SourceError("config.format must be 'csv' or 'json'", 'config', false);
  if (typeof c['content'] !== 'string')
    throw new SourceError('config.content must be the document text', 'config', false);
  return { format: c['format'], content: c['content'] };
}

/** Parses and validates a whole import; throws FileImportError listing what is wrong. */
export function parseFileImport(config: FileImportConfig): DiscoveredResource[] {
  const bytes = Buffer.byteLength(config.content, 'utf8');
  if (bytes > FILE_IMPORT_LIMITS.maxBytes) {
    throw new FileImportError([
      { location: 'document', message: `${bytes} bytes exceeds the limit of ${FILE_IMPORT_LIMITS.maxBytes}` },
    ]);
  }
  const issues = new Issues();
  const rows = config.format === 'csv' ? csvRows(config.content, issues) : jsonRows(config.content, issues);
  const resources = issues.full() ? [] : checkReferences(rows, issues);
  if (issues.list.length > 0) throw new FileImportError(issues.list);
  return resources;
}

class Issues {
  readonly list: FileImportIssue[] = [];
  add(location: string, message: string, line?: number): void {
    if (this.list.length < MAX_ISSUES)
      this.list.push(line === undefined ? { location, message } : { location, line, message });
  }
  full(): boolean {
    return this.list.length >= MAX_ISSUES;
  }
}

/** A validated resource and where it came from, for cross-row messages. */
interface Row {
  resource: DiscoveredResource;
  where: string;
  line?: number;
  /** Location of the parent reference / members, for "no such resource" messages. */
  parentWhere: string;
  membersWhere: string;
}

/** Where a value sits: `(field) => location text` plus the CSV line. */
interface Locator {
  at(field: string): string;
  line?: number;
}

// ---------------------------------------------------------------------------------------------------------- CSV

const CSV_COLUMNS = new Set([
  'kind',
  'externalId',
  'name',
  'parentKind',
  'parentId',
  'ips',
  'cidrs',
  'members',
  'labels',
  'attributes',
]);

function csvRows(content: string, issues: Issues): Row[] {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(content, {
      maxRecords: FILE_IMPORT_LIMITS.maxResources + 1,
      maxFields: FILE_IMPORT_LIMITS.maxColumns,
      maxFieldLength: FILE_IMPORT_LIMITS.maxFieldLength,
    });
  } catch (err) {
    if (err instanceof CsvSyntaxError && err.limit === 'maxRecords') {
      issues.add(`line ${err.line}`, `more than ${FILE_IMPORT_LIMITS.maxResources} resources`, err.line);
      return [];
    }
    if (err instanceof CsvSyntaxError) {
      issues.add(
        `line ${err.line}, column ${err.column}`,
        err.message.replace(/^line \d+, column \d+: /, ''),
        err.line,
      );
      return [];
    }
    throw err;
  }
  const header = records[0];
  if (!header) {
    issues.add('line 1', 'the document is empty (a header row is required)', 1);
    return [];
  }
  const columns = header.fields.map((f) => f.trim());
  const seen = new Set<string>();
  for (const col of columns) {
    if (seen.has(col)) issues.add(`line 1, column '${col}'`, 'duplicate column', 1);
    seen.add(col);
    if (!CSV_COLUMNS.has(col) && !(col.startsWith('label.') && col.length > 6)) {
      issues.add(
        `line 1, column '${col}'`,
        `unknown column; expected ${[...CSV_COLUMNS].join(', ')} or label.<key>`,
        1,
      );
    }
  }
  for (const required of ['kind', 'externalId']) {
    if (!seen.has(required)) issues.add('line 1', `missing required column '${required}'`, 1);
  }
  if (issues.list.length > 0) return [];

  const rows: Row[] = [];
  for (let r = 1; r < records.length && !issues.full(); r++) {
    const rec = records[r] as (typeof records)[number];
    if (rec.fields.length === 1 && rec.fields[0] === '') continue; // blank line
    const loc: Locator = { at: (field) => `line ${rec.line}, field ${field}`, line: rec.line };
    if (rec.fields.length !== columns.length) {
      issues.add(`line ${rec.line}`, `${rec.fields.length} fields, the header has ${columns.length}`, rec.line);
      continue;
    }
    const raw: Record<string, unknown> = {};
    const columnLabels: Record<string, string> = {};
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c] as string;
      const value = rec.fields[c] as string;
      if (col.startsWith('label.')) {
        if (value !== '') columnLabels[col.slice(6)] = value;
      } else if (col === 'labels' || col === 'attributes') {
        if (value.trim() !== '') raw[col] = parseJsonCell(value, loc.at(col), issues, rec.line);
      } else if (col === 'ips' || col === 'cidrs' || col === 'members') {
        raw[col] = splitList(value);
      } else if (value !== '') {
        raw[col] = value;
      }
    }
    if (raw['parentKind'] !== undefined || raw['parentId'] !== undefined) {
      raw['parent'] = { kind: raw['parentKind'], externalId: raw['parentId'] };
    }
    const row = validateRow(raw, loc, columnLabels, issues, { parent: 'parentKind/parentId', members: 'members' });
    if (row) rows.push(row);
    if (rows.length > FILE_IMPORT_LIMITS.maxResources) {
      issues.add(`line ${rec.line}`, `more than ${FILE_IMPORT_LIMITS.maxResources} resources`, rec.line);
      break;
    }
  }
  return rows;
}

function parseJsonCell(value: string, where: string, issues: Issues, line: number): unknown {
  try {
    return JSON.parse(value);
  } catch {
    issues.add(where, 'not valid JSON', line);
    return undefined;
  }
}

const splitList = (value: string): string[] => value.split(/[\s;]+/).filter((s) => s !== '');

// --------------------------------------------------------------------------------------------------------- JSON

const JSON_KEYS = new Set(['kind', 'externalId', 'name', 'parent', 'ips', 'cidrs', 'members', 'labels', 'attributes']);

function jsonRows(content: string, issues: Issues): Row[] {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch (err) {
    issues.add('document', `not valid JSON (${(err as Error).message})`);
    return [];
  }
  const list = Array.isArray(doc)
    ? doc
    : isPlainObject(doc) && Array.isArray(doc['resources'])
      ? doc['resources']
      : undefined;
  const prefix = Array.isArray(doc) ? '$' : '$.resources';
  if (!list) {
    issues.add('$', 'expected an array of resources or { "resources": [...] }');
    return [];
  }
  if (list.length > FILE_IMPORT_LIMITS.maxResources) {
    issues.add(prefix, `${list.length} resources exceeds the limit of ${FILE_IMPORT_LIMITS.maxResources}`);
    return [];
  }
  const rows: Row[] = [];
  for (let i = 0; i < list.length && !issues.full(); i++) {
    const item: unknown = list[i];
    const base = `${prefix}[${i}]`;
    if (!isPlainObject(item)) {
      issues.add(base, 'expected an object');
      continue;
    }
    for (const key of Object.keys(item))
      if (!JSON_KEYS.has(key)) issues.add(`${base}.${key}`, `unknown field; expected ${[...JSON_KEYS].join(', ')}`);
    const raw: Record<string, unknown> = { ...item };
    for (const key of ['ips', 'cidrs'] as const)
      if (typeof raw[key] === 'string') raw[key] = splitList(raw[key] as string);
    const row = validateRow(raw, { at: (field) => `${base}.${field}` }, {}, issues, {
      parent: 'parent',
      members: 'members',
    });
    if (row) rows.push(row);
  }
  return rows;
}

// --------------------------------------------------------------------------------------- shared row validation

/** Validates one resource's own fields; returns undefined (with issues added) when any is wrong. */
function validateRow(
  raw: Record<string, unknown>,
  loc: Locator,
  columnLabels: Record<string, string>,
  issues: Issues,
  names: { parent: string; members: string },
): Row | undefined {
  const before = issues.list.length;
  const add: AddIssue = (field, message) => {
    issues.add(loc.at(field), message, loc.line);
    return undefined;
  };

  const kind = checkKind(raw['kind'], 'kind', add);
  const externalId = checkId(raw['externalId'], 'externalId', add);
  let name = externalId ?? '';
  if (raw['name'] !== undefined) {
    const n = checkId(raw['name'], 'name', add);
    if (n !== undefined) name = n;
  }

  let parent: ResourceKey | undefined;
  if (raw['parent'] !== undefined && raw['parent'] !== null) {
    const p = raw['parent'];
    if (!isPlainObject(p)) add(names.parent, 'expected { kind, externalId }');
    else {
      const isCsv = names.parent !== 'parent';
      const pk = checkKind(p['kind'], isCsv ? 'parentKind' : 'parent.kind', add);
      const pid = checkId(p['externalId'], isCsv ? 'parentId' : 'parent.externalId', add);
      if (pk && pid) parent = { kind: pk, externalId: pid };
    }
  }

  const ips = checkAddresses(raw['ips'], 'ips', canonicalIp, 'an IP address', add);
  const cidrs = checkAddresses(raw['cidrs'], 'cidrs', canonicalCidr, 'a CIDR (address/prefix)', add);

  const members: ResourceKey[] = [];
  if (raw['members'] !== undefined) {
    const list = raw['members'];
    if (!Array.isArray(list)) add(names.members, 'expected a list');
    else {
      for (const [i, m] of (list as unknown[]).entries()) {
        const field = `${names.members}[${i}]`;
        let key: Record<string, unknown> | undefined;
        if (typeof m === 'string') {
          const slash = m.indexOf('/');
          key = slash > 0 ? { kind: m.slice(0, slash), externalId: m.slice(slash + 1) } : undefined;
        } else if (isPlainObject(m)) key = m;
        if (!key) {
          add(field, "expected 'kind/externalId' or { kind, externalId }");
          continue;
        }
        const k = checkKind(key['kind'], `${field}.kind`, add);
        const id = checkId(key['externalId'], `${field}.externalId`, add);
        if (k && id) members.push({ kind: k, externalId: id });
      }
    }
  }

  const labels: Record<string, string> = {};
  if (raw['labels'] !== undefined) {
    const l = raw['labels'];
    if (!isPlainObject(l)) add('labels', 'expected a JSON object of string values');
    else {
      for (const [k, v] of Object.entries(l)) {
        if (typeof v !== 'string') add(`labels.${k}`, 'label values must be strings');
        else labels[k] = v;
      }
    }
  }
  for (const [k, v] of Object.entries(columnLabels)) {
    if (k in labels && labels[k] !== v) add(`label.${k}`, `conflicts with labels.${k} ('${labels[k]}')`);
    labels[k] = v;
  }
  const labelCount = Object.keys(labels).length;
  if (labelCount > FILE_IMPORT_LIMITS.maxLabels)
    add('labels', `${labelCount} labels exceeds the limit of ${FILE_IMPORT_LIMITS.maxLabels}`);
  for (const [k, v] of Object.entries(labels)) {
    if (k.length === 0 || k.length > FILE_IMPORT_LIMITS.maxLabelKeyLength || hasControl(k)) {
      add(`label.${k}`, `label keys must be 1–${FILE_IMPORT_LIMITS.maxLabelKeyLength} printable characters`);
    }
    if (v.length > FILE_IMPORT_LIMITS.maxLabelValueLength)
      add(`label.${k}`, `longer than ${FILE_IMPORT_LIMITS.maxLabelValueLength} characters`);
  }

  let attributes: Record<string, unknown> = {};
  if (raw['attributes'] !== undefined) {
    if (!isPlainObject(raw['attributes'])) add('attributes', 'expected a JSON object');
    else attributes = raw['attributes'];
  }

  if (issues.list.length > before || kind === undefined || externalId === undefined) return undefined;
  const resource: DiscoveredResource = { kind, externalId, name, labels, attributes };
  if (parent) resource.parent = parent;
  if (ips.length) resource.ips = ips;
  if (cidrs.length) resource.cidrs = cidrs;
  if (members.length) resource.members = members;
  return {
    resource,
    where: loc.at('externalId').replace(/, field externalId$|\.externalId$/, ''),
    ...(loc.line !== undefined ? { line: loc.line } : {}),
    parentWhere: loc.at(names.parent),
    membersWhere: loc.at(names.members),
  };
}

/** Records an issue; returns undefined so a check can `return add(…)`. */
type AddIssue = (field: string, message: string) => undefined;

function checkKind(v: unknown, field: string, add: AddIssue): DiscoveredKind | undefined {
  if (typeof v !== 'string' || v === '') return add(field, 'required');
  if (!KIND_SET.has(v)) return add(field, `'${clip(v)}' is not a kind; expected one of ${DISCOVERED_KINDS.join(', ')}`);
  return v as DiscoveredKind;
}

function checkId(v: unknown, field: string, add: AddIssue): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return add(field, 'required (a non-empty string)');
  if (v.length > FILE_IMPORT_LIMITS.maxIdLength)
    return add(field, `longer than ${FILE_IMPORT_LIMITS.maxIdLength} characters`);
  if (hasControl(v)) return add(field, 'contains control characters');
  return v.trim();
}

function checkAddresses(
  v: unknown,
  field: string,
  canonical: (s: string) => string | null,
  what: string,
  add: AddIssue,
): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    add(field, 'expected a list');
    return [];
  }
  if (v.length > FILE_IMPORT_LIMITS.maxAddresses) {
    add(field, `more than ${FILE_IMPORT_LIMITS.maxAddresses} entries`);
    return [];
  }
  const out = new Set<string>();
  v.forEach((item: unknown, i: number) => {
    const c = typeof item === 'string' ? canonical(item) : null;
    if (c === null) add(`${field}[${i}]`, `'${clip(String(item))}' is not ${what}`);
    else out.add(c);
  });
  return [...out];
}

/** Duplicates, parents and members must name resources of this import, and parents must not form a cycle. */
function checkReferences(rows: Row[], issues: Issues): DiscoveredResource[] {
  const index = new Map<string, Row>();
  const keyOf = (k: ResourceKey) => `${k.kind}\u0000${k.externalId}`;
  for (const row of rows) {
    const key = keyOf(row.resource);
    const first = index.get(key);
    if (first)
      issues.add(
        row.where,
        `duplicate ${row.resource.kind} '${clip(row.resource.externalId)}' (first at ${first.where})`,
        row.line,
      );
    else index.set(key, row);
  }
  for (const row of rows) {
    const { parent, members } = row.resource;
    if (parent && !index.has(keyOf(parent))) {
      issues.add(row.parentWhere, `no ${parent.kind} '${clip(parent.externalId)}' in this import`, row.line);
    }
    for (const m of members ?? []) {
      if (!index.has(keyOf(m)))
        issues.add(row.membersWhere, `no ${m.kind} '${clip(m.externalId)}' in this import`, row.line);
    }
  }
  if (issues.list.length > 0) return [];
  // Cycle check: follow each chain once; `done` holds resources whose chain is known to end.
  const done = new Set<string>();
  for (const row of rows) {
    const path = new Set<string>();
    let cur: DiscoveredResource | undefined = row.resource;
    while (cur) {
      const key = keyOf(cur);
      if (done.has(key)) break;
      if (path.has(key)) {
        issues.add(row.parentWhere, `parent chain loops back to ${cur.kind} '${clip(cur.externalId)}'`, row.line);
        break;
      }
      path.add(key);
      cur = cur.parent ? index.get(keyOf(cur.parent))?.resource : undefined;
    }
    for (const k of path) done.add(k);
    if (issues.full()) break;
  }
  return rows.map((r) => r.resource);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const hasControl = (s: string): boolean => CONTROL.test(s);
const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
