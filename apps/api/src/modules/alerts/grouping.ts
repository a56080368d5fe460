import { createHash } from 'node:crypto';

/** An alert as notifications see it. */
export interface NotifiableAlert {
  fingerprint: string;
  labels: Record<string, string>;
  status: 'firing' | 'resolved';
}

export interface NotificationGroup<A extends NotifiableAlert = NotifiableAlert> {
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: A[];
}

/** Alertmanager-style: alerts with the same values of the group-by labels (and rule) travel together. */
export function groupAlerts<A extends NotifiableAlert>(
  ruleId: string,
  alerts: readonly A[],
  groupBy: readonly string[],
): NotificationGroup<A>[] {
  const groups = new Map<string, NotificationGroup<A>>();
  for (const a of alerts) {
    const groupLabels: Record<string, string> = { alertname: a.labels.alertname ?? '' };
    for (const l of groupBy) groupLabels[l] = a.labels[l] ?? '';
    const inner = Object.keys(groupLabels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`)
      .join(',');
    const groupKey = `{}/{rule_id=${JSON.stringify(ruleId)}}:{${inner}}`;
    const g = groups.get(groupKey) ?? { groupKey, groupLabels, alerts: [] };
    groups.set(groupKey, g);
    g.alerts.push(a);
  }
  return [...groups.values()];
}

/** What a notification says: its alerts' fingerprints and statuses, order-free. */
export function digestOf(alerts: readonly Pick<NotifiableAlert, 'fingerprint' | 'status'>[]): string {
  return alerts
    .map((a) => `${a.fingerprint}:${a.status}`)
    .sort()
    .join(',');
}

/** Firing fingerprints of a digest. */
export function firingIn(digest: string): Set<string> {
  return new Set(
    digest
      .split(',')
      .filter((e) => e.endsWith(':firing'))
      .map((e) => e.slice(0, -':firing'.length)),
  );
}

export interface GroupTiming {
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
}

export interface GroupState {
  firstSeenAt: Date;
  lastNotifiedAt: Date | null;
  lastDigest: string;
}

export type NotifyDecision = { send: false; reason: string } | { send: true; reason: string; digest: string };

/**
 * Alertmanager's timing: a new group waits group_wait before its first notification (so alerts arriving
 * together go out together); later changes go out at most every group_interval; an unchanged firing group is
 * re-sent every repeat_interval. `alerts` are the group's firing alerts plus those that resolved since the last
 * notification said they were firing.
 */
export function decideNotification(
  alerts: readonly NotifiableAlert[],
  state: GroupState,
  t: GroupTiming,
  now: Date,
): NotifyDecision {
  if (alerts.length === 0) return { send: false, reason: 'nothing to say' };
  const digest = digestOf(alerts);
  const since = (d: Date) => (now.getTime() - d.getTime()) / 1000;
  const wasFiring = firingIn(state.lastDigest).size > 0;
  if (!state.lastNotifiedAt || !wasFiring) {
    if (!alerts.some((a) => a.status === 'firing')) return { send: false, reason: 'only resolved, never notified' };
    if (since(state.firstSeenAt) < t.groupWaitSeconds) return { send: false, reason: 'group_wait' };
    return { send: true, reason: 'new group', digest };
  }
  if (digest !== state.lastDigest) {
    if (since(state.lastNotifiedAt) < t.groupIntervalSeconds) return { send: false, reason: 'group_interval' };
    return { send: true, reason: 'changed', digest };
  }
  if (since(state.lastNotifiedAt) >= t.repeatIntervalSeconds) return { send: true, reason: 'repeat', digest };
  return { send: false, reason: 'unchanged' };
}

/**
 * The idempotency key of one notification: the group, what it says and the notification it follows. An
 * evaluator that restarts from the same persisted state computes the same key, so the delivery is written once.
 */
export function notificationKey(groupKey: string, digest: string, previousNotifiedAt: Date | null): string {
  return createHash('sha256')
    .update(`${groupKey}\n${digest}\n${previousNotifiedAt?.toISOString() ?? 'never'}`)
    .digest('hex');
}
