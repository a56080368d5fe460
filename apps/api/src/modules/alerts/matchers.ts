/**
 * Label matchers of silences and maintenance windows. Equality only (`=`, `!=`): they run in this process for
 * every alert, and a user-supplied backtracking regex there could stall the evaluator.
 */
export interface LabelMatcher {
  label: string;
  op: '=' | '!=';
  value: string;
}

/** All matchers must hold; a missing label reads as '' (as in Alertmanager). */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => ((labels[m.label] ?? '') === m.value) === (m.op === '='));
}

export interface Silenceable {
  matchers: LabelMatcher[];
  startsAt: Date;
  endsAt: Date;
}

export function isSilenced(
  silences: readonly Silenceable[],
  labels: Readonly<Record<string, string>>,
  now: Date,
): boolean {
  return silences.some((s) => s.startsAt <= now && now < s.endsAt && matchesAll(s.matchers, labels));
}

export interface MaintenanceWindowSpec {
  matchers: LabelMatcher[];
  recurrence: string;
  startsAt: Date;
  endsAt: Date | null;
  durationMinutes: number;
  weekdays: number[];
}

const DAY_MS = 86_400_000;

/**
 * Whether `now` falls in the window. One-off: [startsAt, endsAt). Daily/weekly (UTC): from startsAt's time of day,
 * for durationMinutes, on every day (daily) or on the listed weekdays (weekly), from startsAt until endsAt if set.
 * An occurrence may run past midnight, so the previous day's occurrence is checked too.
 */
export function inMaintenance(w: MaintenanceWindowSpec, now: Date): boolean {
  const t = now.getTime();
  if (w.recurrence === 'none') return w.startsAt.getTime() <= t && t < (w.endsAt ?? w.startsAt).getTime();
  if (t < w.startsAt.getTime() || (w.endsAt && t >= w.endsAt.getTime())) return false;
  const timeOfDay = w.startsAt.getTime() % DAY_MS;
  const duration = w.durationMinutes * 60_000;
  const today = t - (t % DAY_MS);
  for (const day of [today, today - DAY_MS, today - 2 * DAY_MS]) {
    const start = day + timeOfDay;
    if (start < w.startsAt.getTime()) continue;
    if (w.recurrence === 'weekly' && !w.weekdays.includes(new Date(day).getUTCDay())) continue;
    if (start <= t && t < start + duration) return true;
  }
  return false;
}

export function inAnyMaintenance(
  windows: readonly MaintenanceWindowSpec[],
  labels: Readonly<Record<string, string>>,
  now: Date,
): boolean {
  return windows.some((w) => matchesAll(w.matchers, labels) && inMaintenance(w, now));
}
