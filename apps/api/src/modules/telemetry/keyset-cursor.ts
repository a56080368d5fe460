import { apiError } from '../../graphql-errors.js';

/**
 * Keyset cursor of telemetry lists ordered by (time DESC, tie-breaker DESC): stable while new rows arrive, unlike an
 * offset. `time` is integer ticks and `key` the row's tie-breaker, both checked on the way back in, so a forged
 * cursor is a BAD_USER_INPUT and never SQL.
 */
export function encodeKeysetCursor(time: string, key: string): string {
  return Buffer.from(`${time}:${key}`).toString('base64url');
}

export function decodeKeysetCursor(cursor: string, key: RegExp = /^[0-9]{1,20}$/): { time: string; key: string } {
  const text = Buffer.from(cursor, 'base64url').toString();
  const at = text.indexOf(':');
  const time = text.slice(0, at);
  const rest = text.slice(at + 1);
  if (at < 0 || !/^[0-9]{1,20}$/.test(time) || !key.test(rest)) {
    throw apiError('BAD_USER_INPUT', 'invalid cursor', { field: 'page.after' });
  }
  return { time, key: rest };
}
