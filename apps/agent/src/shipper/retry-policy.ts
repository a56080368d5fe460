/** Longest wait a gateway can impose: a far-future date or a typo must not park the agent for days. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 30_000;

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds to wait (0 for a date in the
 * past), capped at MAX_RETRY_AFTER_MS, or undefined when the header is absent or not one of the two forms.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  // The three HTTP-date forms (IMF-fixdate, RFC 850, asctime) all start with a weekday; asctime has no zone and
  // means GMT. Anything else ("1.5", "-3", "soon") is neither form.
  let date: string;
  if (/^[A-Za-z]{3,9}, .+ GMT$/.test(v)) date = v;
  else if (/^[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/.test(v)) date = `${v} GMT`;
  else return undefined;
  const at = Date.parse(date);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

/**
 * Exponential backoff with full jitter (uniform in [0, min(cap, base·2^attempt))): agents cut off together do not
 * come back together. `attempt` counts from 1.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(attempt, 1), 20));
  return Math.floor(random() * ceiling);
}

/**
 * How long to wait before the next attempt. A Retry-After is honoured as a floor, with up to 10 % (at most 1 s)
 * added so that every agent told "30 s" does not return in the same millisecond; without one (or with 0), backoff.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, random = Math.random): number {
  if (retryAfterMs === undefined || retryAfterMs <= 0) return backoffMs(attempt, random);
  return retryAfterMs + Math.floor(random() * Math.min(1000, retryAfterMs * 0.1));
}
