import { defineOperation } from '@/lib/graphql';
import type { ForecastMetric, ForecastSource } from '../forecasts/forecasts.queries';

export interface AlertLabel {
  name: string;
  value: string;
}

export interface AlertLabelFilter {
  label: string;
  op: string;
  value: string;
}

export interface AlertMetricInfo {
  name: string;
  description: string;
  unit: string;
  labels: string[];
}

/** A forecast rule's series and how it is read (AlertForecast in the API). */
export interface AlertForecast {
  source: ForecastSource;
  target: string;
  metric: ForecastMetric;
  horizonHours: number;
  /** POINT, INTERVAL_80 or INTERVAL_95. */
  bound: string;
  historyDays: number;
}

export interface AlertRule {
  id: string;
  name: string;
  /** threshold or forecast. */
  kind: string;
  metric: string;
  forecast: AlertForecast | null;
  filters: AlertLabelFilter[];
  groupBy: string[];
  windowSeconds: number;
  operator: string;
  threshold: number;
  forSeconds: number;
  noData: string;
  labels: AlertLabel[];
  annotations: AlertLabel[];
  intervalSeconds: number;
  notifyGroupBy: string[];
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
  destinationIds: string[];
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** What createAlertRule and updateAlertRule take (the whole rule: an update replaces it). */
export interface AlertRuleInput {
  name: string;
  kind: string;
  metric: string;
  forecast: AlertForecast | null;
  filters: AlertLabelFilter[];
  groupBy: string[];
  windowSeconds: number;
  operator: string;
  threshold: number;
  forSeconds: number;
  noData: string;
  labels: AlertLabel[];
  annotations: AlertLabel[];
  intervalSeconds: number;
  destinationIds: string[];
  enabled: boolean;
  /** Notification grouping; the form does not edit it, so an update carries the rule's own (else defaults). */
  notifyGroupBy?: string[];
  groupWaitSeconds?: number;
  groupIntervalSeconds?: number;
  repeatIntervalSeconds?: number;
}

export interface AlertInstance {
  id: string;
  ruleId: string;
  fingerprint: string;
  labels: AlertLabel[];
  /** inactive, pending, firing, resolved or no_data. */
  state: string;
  value: number | null;
  activeAt: string | null;
  firedAt: string | null;
  resolvedAt: string | null;
  lastEvalAt: string;
}

export interface AlertHistoryEntry {
  id: string;
  ruleId: string;
  fingerprint: string;
  labels: AlertLabel[];
  fromState: string;
  toState: string;
  value: number | null;
  at: string;
}

export interface Silence {
  id: string;
  matchers: AlertLabelFilter[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
  active: boolean;
}

export interface CreateSilenceInput {
  matchers: AlertLabelFilter[];
  startsAt?: string;
  endsAt: string;
  comment: string;
}

export interface WebhookDestination {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  secretCount: number;
  maxAttempts: number;
  timeoutMs: number;
  createdAt: string;
}

export interface DestinationInput {
  name: string;
  url: string;
  maxAttempts: number;
  timeoutMs: number;
}

export interface WebhookDeliveryAttempt {
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseSnippet: string;
  at: string;
}

export interface WebhookDelivery {
  id: string;
  destinationId: string;
  messageId: string;
  /** alert or test. */
  kind: string;
  /** pending, delivered, dead or disabled. */
  status: string;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  attemptLog: WebhookDeliveryAttempt[];
}

const RULE_FIELDS = `id name kind metric forecast { source target metric horizonHours bound historyDays } filters { label op value } groupBy windowSeconds operator threshold forSeconds
noData labels { name value } annotations { name value } intervalSeconds notifyGroupBy groupWaitSeconds
groupIntervalSeconds repeatIntervalSeconds destinationIds enabled createdBy createdAt updatedAt`;
const INSTANCE_FIELDS =
  'id ruleId fingerprint labels { name value } state value activeAt firedAt resolvedAt lastEvalAt';
const SILENCE_FIELDS = 'id matchers { label op value } startsAt endsAt createdBy comment createdAt active';
const DESTINATION_FIELDS = 'id name url enabled disabledReason secretCount maxAttempts timeoutMs createdAt';
const DELIVERY_FIELDS =
  'id destinationId messageId kind status attempts createdAt finishedAt attemptLog { attempt statusCode durationMs error responseSnippet at }';

export const ALERT_RULES_QUERY = defineOperation<{
  alertRules: AlertRule[];
  alertMetrics: AlertMetricInfo[];
  alertInstances: AlertInstance[];
  webhookDestinations: Array<Pick<WebhookDestination, 'id' | 'name'>>;
}>(
  'AlertRules',
  `query AlertRules {
  alertRules { ${RULE_FIELDS} }
  alertMetrics { name description unit labels }
  alertInstances { ${INSTANCE_FIELDS} }
  webhookDestinations { id name }
}`,
);

export const CREATE_ALERT_RULE_MUTATION = defineOperation<{ createAlertRule: AlertRule }, { input: AlertRuleInput }>(
  'CreateAlertRule',
  `mutation CreateAlertRule($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE_FIELDS} } }`,
);

export const UPDATE_ALERT_RULE_MUTATION = defineOperation<
  { updateAlertRule: AlertRule },
  { id: string; input: AlertRuleInput }
>(
  'UpdateAlertRule',
  `mutation UpdateAlertRule($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RULE_FIELDS} } }`,
);

export const DELETE_ALERT_RULE_MUTATION = defineOperation<{ deleteAlertRule: boolean }, { id: string }>(
  'DeleteAlertRule',
  'mutation DeleteAlertRule($id: ID!) { deleteAlertRule(id: $id) }',
);

export const ALERT_STATE_QUERY = defineOperation<
  {
    alertInstances: AlertInstance[];
    alertHistory: AlertHistoryEntry[];
    alertRules: Array<Pick<AlertRule, 'id' | 'name'>>;
  },
  { history: { ruleId?: string; first: number } }
>(
  'AlertState',
  `query AlertState($history: AlertHistoryFilter) {
  alertInstances { ${INSTANCE_FIELDS} }
  alertHistory(filter: $history) { id ruleId fingerprint labels { name value } fromState toState value at }
  alertRules { id name }
}`,
);

export const SILENCES_QUERY = defineOperation<{ silences: Silence[] }>(
  'Silences',
  `query Silences { silences(includeExpired: true) { ${SILENCE_FIELDS} } }`,
);

export const CREATE_SILENCE_MUTATION = defineOperation<{ createSilence: Silence }, { input: CreateSilenceInput }>(
  'CreateSilence',
  `mutation CreateSilence($input: CreateSilenceInput!) { createSilence(input: $input) { ${SILENCE_FIELDS} } }`,
);

export const EXPIRE_SILENCE_MUTATION = defineOperation<{ expireSilence: Silence }, { id: string }>(
  'ExpireSilence',
  `mutation ExpireSilence($id: ID!) { expireSilence(id: $id) { ${SILENCE_FIELDS} } }`,
);

export const DESTINATIONS_QUERY = defineOperation<{ webhookDestinations: WebhookDestination[] }>(
  'WebhookDestinations',
  `query WebhookDestinations { webhookDestinations { ${DESTINATION_FIELDS} } }`,
);

export const CREATE_DESTINATION_MUTATION = defineOperation<
  { createWebhookDestination: { destination: WebhookDestination; secret: string } },
  { input: DestinationInput }
>(
  'CreateWebhookDestination',
  `mutation CreateWebhookDestination($input: CreateWebhookDestinationInput!) {
  createWebhookDestination(input: $input) { secret destination { ${DESTINATION_FIELDS} } }
}`,
);

export const UPDATE_DESTINATION_MUTATION = defineOperation<
  { updateWebhookDestination: WebhookDestination },
  { id: string; input: Partial<DestinationInput> & { enabled?: boolean } }
>(
  'UpdateWebhookDestination',
  `mutation UpdateWebhookDestination($id: ID!, $input: UpdateWebhookDestinationInput!) {
  updateWebhookDestination(id: $id, input: $input) { ${DESTINATION_FIELDS} }
}`,
);

export const DELETE_DESTINATION_MUTATION = defineOperation<{ deleteWebhookDestination: boolean }, { id: string }>(
  'DeleteWebhookDestination',
  'mutation DeleteWebhookDestination($id: ID!) { deleteWebhookDestination(id: $id) }',
);

export const ROTATE_SECRET_MUTATION = defineOperation<
  { rotateWebhookSecret: { destination: WebhookDestination; secret: string } },
  { id: string }
>(
  'RotateWebhookSecret',
  `mutation RotateWebhookSecret($id: ID!) { rotateWebhookSecret(id: $id) { secret destination { ${DESTINATION_FIELDS} } } }`,
);

export const SEND_TEST_MUTATION = defineOperation<{ sendTestNotification: WebhookDelivery }, { destinationId: string }>(
  'SendTestNotification',
  `mutation SendTestNotification($destinationId: ID!) { sendTestNotification(destinationId: $destinationId) { ${DELIVERY_FIELDS} } }`,
);

export const DELIVERIES_QUERY = defineOperation<
  { webhookDeliveries: WebhookDelivery[] },
  { filter: { destinationId: string; first: number } }
>(
  'WebhookDeliveries',
  `query WebhookDeliveries($filter: WebhookDeliveryFilter) { webhookDeliveries(filter: $filter) { ${DELIVERY_FIELDS} } }`,
);

export function alertsPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/alerts`;
}

export interface MaintenanceWindow {
  id: string;
  name: string;
  matchers: AlertLabelFilter[];
  /** none, daily or weekly. */
  recurrence: string;
  startsAt: string;
  endsAt: string | null;
  durationMinutes: number;
  weekdays: number[];
  createdBy: string;
  activeNow: boolean;
}

export interface CreateMaintenanceWindowInput {
  name: string;
  matchers: AlertLabelFilter[];
  recurrence: string;
  startsAt: string;
  endsAt?: string;
  durationMinutes: number;
  weekdays: number[];
}

const WINDOW_FIELDS =
  'id name matchers { label op value } recurrence startsAt endsAt durationMinutes weekdays createdBy activeNow';

export const MAINTENANCE_WINDOWS_QUERY = defineOperation<{ maintenanceWindows: MaintenanceWindow[] }>(
  'MaintenanceWindows',
  `query MaintenanceWindows { maintenanceWindows { ${WINDOW_FIELDS} } }`,
);

export const CREATE_MAINTENANCE_WINDOW_MUTATION = defineOperation<
  { createMaintenanceWindow: MaintenanceWindow },
  { input: CreateMaintenanceWindowInput }
>(
  'CreateMaintenanceWindow',
  `mutation CreateMaintenanceWindow($input: CreateMaintenanceWindowInput!) {
  createMaintenanceWindow(input: $input) { ${WINDOW_FIELDS} }
}`,
);

export const DELETE_MAINTENANCE_WINDOW_MUTATION = defineOperation<{ deleteMaintenanceWindow: boolean }, { id: string }>(
  'DeleteMaintenanceWindow',
  'mutation DeleteMaintenanceWindow($id: ID!) { deleteMaintenanceWindow(id: $id) }',
);
