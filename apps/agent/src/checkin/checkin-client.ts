import { AGENT_CHECKIN_PATH, type AgentCheckinStatus } from '@bathyscope/wire';
import { type AgentCredentialSource, GatewayError } from '../credentials';

/** How a check-in ended. */
export type CheckinOutcome =
  /** 200: a configuration (or gateway) different from the one named by our ETag; the body is still untrusted. */
  | { kind: 'changed'; body: unknown; etag: string | null }
  /** 304: nothing changed. */
  | { kind: 'unchanged' }
  /** 401: the access token expired or was rotated (renewable) or the credential is bad. */
  | { kind: 'unauthorized'; code: string; message: string }
  /** 403 AGENT_REVOKED, from the check-in or from the token endpoint: final. */
  | { kind: 'revoked'; message: string }
  /** Any other answer: the gateway refused this status (400, 413) or failed (5xx). */
  | { kind: 'refused'; status: number; code: string; message: string }
  /** No answer: network error or timeout. */
  | { kind: 'unreachable'; message: string };

function errorOf(text: string, status: number): { code: string; message: string } {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (e && typeof e.code === 'string') {
      return { code: e.code, message: typeof e.message === 'string' ? e.message : '' };
    }
  } catch {
    // not the gateway's error shape
  }
  return { code: `HTTP_${status}`, message: text.slice(0, 200) };
}

/**
 * One check-in: POST the status to AGENT_CHECKIN_PATH with `If-None-Match: <etag>`. Never throws; every way it can
 * end is an outcome the caller acts on.
 */
export async function checkIn(options: {
  ingestUrl: string;
  credentials: AgentCredentialSource;
  status: AgentCheckinStatus;
  etag: string | null;
  timeoutMs?: number;
}): Promise<CheckinOutcome> {
  let authorization: string;
  try {
    authorization = await options.credentials.authorization();
  } catch (err) {
    if (err instanceof GatewayError) {
      if (err.status === 403 && err.code === 'AGENT_REVOKED') return { kind: 'revoked', message: err.message };
      if (err.status === 401 || err.status === 403) {
        return { kind: 'unauthorized', code: err.code, message: `access token refused: ${err.message}` };
      }
      return { kind: 'refused', status: err.status, code: err.code, message: `access token: ${err.message}` };
    }
    return { kind: 'unreachable', message: `access token: ${(err as Error).message}` };
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(new URL(AGENT_CHECKIN_PATH, options.ingestUrl), {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/json',
        ...(options.etag ? { 'if-none-match': options.etag } : {}),
      },
      body: JSON.stringify(options.status),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    text = await res.text();
  } catch (err) {
    return { kind: 'unreachable', message: (err as Error).message };
  }
  if (res.status === 304) return { kind: 'unchanged' };
  if (res.status === 200) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { kind: 'changed', body, etag: res.headers.get('etag') };
  }
  const { code, message } = errorOf(text, res.status);
  if (res.status === 401) return { kind: 'unauthorized', code, message };
  if (res.status === 403 && code === 'AGENT_REVOKED') return { kind: 'revoked', message };
  return { kind: 'refused', status: res.status, code, message };
}
