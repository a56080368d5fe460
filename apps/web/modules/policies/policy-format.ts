// Policies in words (list, simulator), the editor's draft ⇄ the API's PolicyInput, its checks, the API's answers
// mapped onto the editor, and the simulator's input. Pure functions, so they are tested without a browser.

import { type ActionError, blamedField } from '../../lib/action-result';
import { roleLabel } from '../auth/roles';
import { asSentence } from '../auth/sign-up-form';
import type {
  AccessDecision,
  AuthzCatalog,
  Policy,
  PolicyCondition,
  PolicyEffect,
  PolicyInput,
  SimulateAccessInput,
} from './policies.queries';

// ---------------------------------------------------------------- words

const ATTRIBUTE_LABELS: Record<string, string> = {
  namespace: 'Namespace',
  service: 'Service',
  environment: 'Environment',
  agentGroup: 'Agent group',
  label: 'Label',
};

/** "Namespace", "Agent group"; an attribute the console does not know as the API names it. */
export function attributeLabel(attribute: string): string {
  return ATTRIBUTE_LABELS[attribute] ?? attribute;
}

export type ConditionOperator = 'in' | 'notIn';

export const OPERATOR_LABELS: Record<ConditionOperator, string> = { in: 'in', notIn: 'not in' };

/** "Read", "Delete". */
export function actionLabel(action: string): string {
  return action.charAt(0).toUpperCase() + action.slice(1);
}

/** "Allow" / "Deny". */
export function effectLabel(effect: string): string {
  return effect === 'DENY' ? 'Deny' : effect === 'ALLOW' ? 'Allow' : effect;
}

/** "a", "a and b", "a, b and c" (or "or"). */
export function joinWords(words: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}`;
}

/** "namespace not in payments", "label team in red, blue". */
export function conditionSummary(condition: PolicyCondition): string {
  const what =
    condition.attribute === 'label'
      ? `label ${condition.key ?? ''}`.trim()
      : attributeLabel(condition.attribute).toLowerCase();
  const operator = condition.operator === 'notIn' ? OPERATOR_LABELS.notIn : OPERATOR_LABELS.in;
  return `${what} ${operator} ${condition.values.join(', ')}`;
}

/** Every condition in words, joined with "and" (all must hold); "None" without conditions. */
export function conditionsSummary(conditions: readonly PolicyCondition[]): string {
  return conditions.length === 0 ? 'None' : joinWords(conditions.map(conditionSummary));
}

/** "Everyone", "Viewers and editors", "Members of team Payments", "Editors in teams A or B". */
export function appliesToSummary(policy: Pick<Policy, 'roles' | 'teams'>): string {
  const roles = joinWords(policy.roles.map((role) => `${roleLabel(role).toLowerCase()}s`));
  const names = policy.teams.map((team) => team.name);
  const teams = names.length === 1 ? `team ${names[0]}` : `teams ${joinWords(names, 'or')}`;
  if (roles === '' && names.length === 0) return 'Everyone';
  const capitalised = roles.charAt(0).toUpperCase() + roles.slice(1);
  if (names.length === 0) return capitalised;
  return roles === '' ? `Members of ${teams}` : `${capitalised} in ${teams}`;
}

/** "read on Request", "read and update on Request and Agent (fields path, host)". */
export function ruleSummary(policy: Pick<Policy, 'actions' | 'resources' | 'fields'>): string {
  const rule = `${joinWords(policy.actions)} on ${joinWords(policy.resources)}`;
  return policy.fields.length === 0 ? rule : `${rule} (fields ${policy.fields.join(', ')})`;
}

// ---------------------------------------------------------------- the catalog

/** What every one of `resources` has, in the catalog's order; nothing until a resource type is chosen. */
function common(catalog: AuthzCatalog | null, resources: readonly string[], key: 'attributes' | 'fields'): string[] {
  if (catalog === null || resources.length === 0) return [];
  const infos = resources.map((name) => catalog.resources.find((info) => info.name === name));
  const [first] = infos;
  if (first === undefined || infos.some((info) => info === undefined)) return [];
  return first[key].filter((value) => infos.every((info) => info?.[key].includes(value)));
}

/** Attributes conditions may use: those every chosen resource type has. */
export function commonAttributes(catalog: AuthzCatalog | null, resources: readonly string[]): string[] {
  return common(catalog, resources, 'attributes');
}

/** Fields a field-level rule may cover: those every chosen resource type lists. */
export function commonFields(catalog: AuthzCatalog | null, resources: readonly string[]): string[] {
  return common(catalog, resources, 'fields');
}

/** The resource type's attributes and fields; none for a type the catalog does not list. */
export function resourceInfo(
  catalog: AuthzCatalog | null,
  resource: string,
): { attributes: string[]; fields: string[] } {
  const info = catalog?.resources.find((entry) => entry.name === resource);
  return { attributes: info?.attributes ?? [], fields: info?.fields ?? [] };
}

// ---------------------------------------------------------------- the editor's draft

export interface ConditionDraft {
  /** Stable while editing (React key, ids). */
  id: number;
  attribute: string;
  /** Label key, for the label attribute. */
  key: string;
  operator: ConditionOperator;
  /** As typed: comma-separated. */
  values: string;
}

export interface PolicyDraft {
  name: string;
  description: string;
  effect: PolicyEffect;
  actions: string[];
  resources: string[];
  roles: string[];
  teamIds: string[];
  conditions: ConditionDraft[];
  fields: string[];
  enabled: boolean;
}

/** A new policy: deny reading, enabled; the rest to choose. */
export function emptyPolicyDraft(): PolicyDraft {
  return {
    name: '',
    description: '',
    effect: 'DENY',
    actions: ['read'],
    resources: [],
    roles: [],
    teamIds: [],
    conditions: [],
    fields: [],
    enabled: true,
  };
}

export function draftFromPolicy(policy: Policy): PolicyDraft {
  return {
    name: policy.name,
    description: policy.description,
    effect: policy.effect === 'ALLOW' ? 'ALLOW' : 'DENY',
    actions: [...policy.actions],
    resources: [...policy.resources],
    roles: [...policy.roles],
    teamIds: policy.teams.map((team) => team.id),
    conditions: policy.conditions.map((condition, index) => ({
      id: index + 1,
      attribute: condition.attribute,
      key: condition.key ?? '',
      operator: condition.operator === 'notIn' ? 'notIn' : 'in',
      values: condition.values.join(', '),
    })),
    fields: [...policy.fields],
    enabled: policy.enabled,
  };
}

/** Another condition, on the first attribute available. */
export function newCondition(conditions: readonly ConditionDraft[], attributes: readonly string[]): ConditionDraft {
  const id = conditions.reduce((max, condition) => Math.max(max, condition.id), 0) + 1;
  return { id, attribute: attributes[0] ?? '', key: '', operator: 'in', values: '' };
}

/** "payments, orders ,, payments" → ["payments", "orders"]. */
export function splitValues(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== ''),
    ),
  ];
}

/** The API's limits on PolicyInput. */
export const MAX_POLICY_NAME_LENGTH = 100;
export const MAX_POLICY_DESCRIPTION_LENGTH = 500;
export const MAX_CONDITIONS = 10;
const MAX_CONDITION_VALUES = 50;
const MAX_VALUE_LENGTH = 253;
const POLICY_NAME_PATTERN = /^[\p{L}\p{N} ._:-]+$/u;
const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

export interface ConditionErrors {
  attribute?: string;
  key?: string;
  values?: string;
}

export interface PolicyDraftErrors {
  name?: string;
  description?: string;
  actions?: string;
  resources?: string;
  teams?: string;
  /** By the condition's position in the list. */
  conditions?: Record<number, ConditionErrors>;
  fields?: string;
  /** Anything else, said under the editor. */
  form?: string;
}

/** Why a policy name would be refused, or null when it is fine. */
export function policyNameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the policy a name, e.g. payments only.';
  if (trimmed.length > MAX_POLICY_NAME_LENGTH) return `Use at most ${MAX_POLICY_NAME_LENGTH} characters.`;
  if (!POLICY_NAME_PATTERN.test(trimmed)) return 'Use letters, digits, spaces, dots, colons, dashes and underscores.';
  return null;
}

function conditionErrors(condition: ConditionDraft, attributes: readonly string[]): ConditionErrors {
  const errors: ConditionErrors = {};
  if (condition.attribute === '' || !attributes.includes(condition.attribute)) {
    errors.attribute =
      attributes.length === 0
        ? 'The chosen resource types have no attributes in common; remove the condition.'
        : 'Not every chosen resource type has this attribute.';
  }
  if (condition.attribute === 'label' && !LABEL_KEY_PATTERN.test(condition.key.trim())) {
    errors.key = 'Enter the label key, e.g. team or app.kubernetes.io/name.';
  }
  const values = splitValues(condition.values);
  if (values.length === 0) errors.values = 'Enter one value or more, separated by commas.';
  else if (values.length > MAX_CONDITION_VALUES) errors.values = `Use at most ${MAX_CONDITION_VALUES} values.`;
  else if (values.some((value) => value.length > MAX_VALUE_LENGTH))
    errors.values = `Values have at most ${MAX_VALUE_LENGTH} characters.`;
  return errors;
}

/** What the API would refuse in a draft, by input; `{}` when it is fine. */
export function checkPolicyDraft(draft: PolicyDraft, catalog: AuthzCatalog | null): PolicyDraftErrors {
  const errors: PolicyDraftErrors = {};
  const name = policyNameError(draft.name);
  if (name !== null) errors.name = name;
  if (draft.description.trim().length > MAX_POLICY_DESCRIPTION_LENGTH)
    errors.description = `Use at most ${MAX_POLICY_DESCRIPTION_LENGTH} characters.`;
  if (draft.actions.length === 0) errors.actions = 'Choose one action or more.';
  if (draft.resources.length === 0) errors.resources = 'Choose one resource type or more.';
  const attributes = commonAttributes(catalog, draft.resources);
  const byIndex: Record<number, ConditionErrors> = {};
  draft.conditions.forEach((condition, index) => {
    const found = conditionErrors(condition, attributes);
    if (Object.keys(found).length > 0) byIndex[index] = found;
  });
  if (Object.keys(byIndex).length > 0) errors.conditions = byIndex;
  return errors;
}

export function hasErrors(errors: PolicyDraftErrors): boolean {
  return Object.keys(errors).length > 0;
}

/**
 * The API's PolicyInput for a draft. Fields the chosen resource types do not all list are left out: their
 * checkboxes are not on screen.
 */
export function toPolicyInput(draft: PolicyDraft, catalog: AuthzCatalog | null): PolicyInput {
  const fields = commonFields(catalog, draft.resources);
  return {
    name: draft.name.trim(),
    description: draft.description.trim(),
    effect: draft.effect,
    actions: [...draft.actions],
    resources: [...draft.resources],
    roles: [...draft.roles],
    teamIds: [...draft.teamIds],
    conditions: draft.conditions.map((condition) => ({
      attribute: condition.attribute,
      ...(condition.attribute === 'label' ? { key: condition.key.trim() } : {}),
      operator: condition.operator,
      values: splitValues(condition.values),
    })),
    fields: draft.fields.filter((field) => fields.includes(field)),
    enabled: draft.enabled,
  };
}

const INPUT_ERRORS: Record<string, keyof PolicyDraftErrors> = {
  name: 'name',
  description: 'description',
  actions: 'actions',
  resources: 'resources',
  teamIds: 'teams',
  fields: 'fields',
};

/** Where to show why the API refused a policy. */
export function policyFailure(error: ActionError): PolicyDraftErrors {
  const message = asSentence(error.message);
  const field = blamedField(error) ?? '';
  const condition = /^conditions\[(\d+)\]\.(attribute|key|values)$/.exec(field);
  if (condition !== null) {
    const part = condition[2] as keyof ConditionErrors;
    return { conditions: { [Number(condition[1])]: { [part]: message } } };
  }
  // CONFLICT "a policy named "x" exists" names no field: the name is what clashed.
  if (error.code === 'CONFLICT' && /\bnamed\b/.test(error.message)) return { name: message };
  const input = INPUT_ERRORS[field];
  return input === undefined ? { form: message } : { [input]: message };
}

// ---------------------------------------------------------------- the simulator

export interface SimulationDraft {
  /** `user:<id>`, `key:<id>`, or '' for yourself. */
  subject: string;
  action: string;
  resource: string;
  namespace: string;
  service: string;
  environment: string;
  agentGroup: string;
  /** As typed: `key=value`, comma-separated. */
  labels: string;
  /** '' for the whole resource. */
  field: string;
}

export const EMPTY_SIMULATION: SimulationDraft = {
  subject: '',
  action: 'read',
  resource: 'Request',
  namespace: '',
  service: '',
  environment: '',
  agentGroup: '',
  labels: '',
  field: '',
};

export function subjectValue(kind: 'user' | 'key', id: string): string {
  return `${kind}:${id}`;
}

const LABEL_PATTERN = /^[^=\p{Cc}]{1,63}=[^\p{Cc}]{0,253}$/u;

/** Why the simulated labels would be refused, or null when they are fine. */
export function labelsError(text: string): string | null {
  const bad = splitValues(text).find((label) => !LABEL_PATTERN.test(label));
  return bad === undefined ? null : `Write labels as key=value, separated by commas ("${bad}" is not).`;
}

type TextAttribute = 'namespace' | 'service' | 'environment' | 'agentGroup';
const TEXT_ATTRIBUTES: readonly TextAttribute[] = ['namespace', 'service', 'environment', 'agentGroup'];

/** The API's SimulateAccessInput: only the attributes and field the resource type has, and only those given. */
export function toSimulateInput(draft: SimulationDraft, catalog: AuthzCatalog | null): SimulateAccessInput {
  const { attributes, fields } = resourceInfo(catalog, draft.resource);
  const input: SimulateAccessInput = { action: draft.action, resource: draft.resource };
  const separator = draft.subject.indexOf(':');
  const id = draft.subject.slice(separator + 1);
  if (separator > 0 && id !== '') {
    const kind = draft.subject.slice(0, separator);
    if (kind === 'user') input.userId = id;
    if (kind === 'key') input.apiKeyId = id;
  }
  const given: NonNullable<SimulateAccessInput['attributes']> = {};
  for (const attribute of TEXT_ATTRIBUTES) {
    const value = draft[attribute].trim();
    if (attributes.includes(attribute) && value !== '') given[attribute] = value;
  }
  const labels = splitValues(draft.labels);
  if (attributes.includes('label') && labels.length > 0) given.labels = labels;
  if (Object.keys(given).length > 0) input.attributes = given;
  const field = draft.field.trim();
  if (field !== '' && fields.includes(field)) input.field = field;
  return input;
}

/** The rule that decided, in words: `Policy "payments only" (deny)`, "Built-in viewer role" (quoted as the API does). */
export function decidedByLabel(decision: Pick<AccessDecision, 'decidedBy'>): string {
  const rule = decision.decidedBy;
  if (rule === null) return 'Nothing allows it (denied by default)';
  if (rule.source === 'role') return `Built-in ${rule.name} role`;
  const source = rule.source === 'apiKeyPolicy' ? 'API key policy' : 'Policy';
  return `${source} "${rule.name}" (${rule.effect})`;
}
