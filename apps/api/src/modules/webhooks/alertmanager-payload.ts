/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config),
 * so receivers written for Alertmanager work unchanged.
 */
export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339; Alertmanager's zero time for alerts still firing. */
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** Alertmanager's "not ended yet" value of endsAt. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Alerts beyond this are counted in truncatedAlerts instead of sent (like Alertmanager's max_alerts). */
export const MAX_ALERTS_PER_MESSAGE = 100;

function common(maps: readonly Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const [first, ...rest] = maps as [Record<string, string>, ...Record<string, string>[]];
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

export function alertmanagerPayload(input: {
  groupKey: string;
  receiver: string;
  groupLabels: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}): AlertmanagerPayload {
  const alerts = input.alerts.slice(0, MAX_ALERTS_PER_MESSAGE);
  return {
    version: '4',
    groupKey: input.groupKey,
    truncatedAlerts: input.alerts.length - alerts.length,
    // As in Alertmanager: the group is firing while any of its alerts is.
    status: input.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: input.receiver,
    groupLabels: input.groupLabels,
    commonLabels: common(input.alerts.map((a) => a.labels)),
    commonAnnotations: common(input.alerts.map((a) => a.annotations)),
    externalURL: input.externalURL,
    alerts,
  };
}
