import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Agent credentials after enrollment (see docs/ARCHITECTURE.md, Decisions):
 *
 * - an **enrollment token** `bset_<prefix>_<secret>` is the bootstrap secret an admin hands to an installer;
 *   the agent exchanges it once (POST /v1/enroll) for an agent identity bound to its Ed25519 public key;
 * - an **access token** `bsat.<payload>.<mac>` is what the agent then sends as `Authorization: Bearer …`. It
 *   lives 15 minutes and is renewed by signing `bathyscope-agent-token:<agentId>:<timestamp>` with the agent's
 *   private key (POST /v1/agent/token). The payload is base64url JSON `{ a: agentId, t: tenantId, exp }` (exp in
 *   unix seconds), the mac a base64url HMAC-SHA256 over `bsat.<payload>` with a key only the gateways know.
 */

export const ENROLL_PATH = '/v1/enroll';
export const AGENT_TOKEN_PATH = '/v1/agent/token';
export const ENROLLMENT_TOKEN_PREFIX = 'bset_';
export const ACCESS_TOKEN_PREFIX = 'bsat.';
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** How far an access-token request's timestamp may be from the gateway's clock. */
export const AGENT_TOKEN_MAX_SKEW_MS = 5 * 60 * 1000;

const ENROLLMENT_TOKEN_RE = /^bset_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function formatEnrollmentToken(prefix: string, secret: string): string {
  return `${ENROLLMENT_TOKEN_PREFIX}${prefix}_${secret}`;
}

/** The prefix finds the row, the secret is compared by hash. Null for anything else. */
export function parseEnrollmentToken(token: string): { prefix: string; secret: string } | null {
  const m = ENROLLMENT_TOKEN_RE.exec(token);
  return m ? { prefix: m[1] as string, secret: m[2] as string } : null;
}

/** 32 random bytes need no slow hash. */
export function hashEnrollmentSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What the agent signs to obtain an access token; the gateway rebuilds it from the request. */
export function agentTokenRequestMessage(agentId: number, timestamp: number): string {
  return `bathyscope-agent-token:${agentId}:${timestamp}`;
}

export interface AgentAccessClaims {
  /** Agent id. */
  a: number;
  /** Tenant id. */
  t: number;
  /** Expiry, unix seconds. */
  exp: number;
}

export type AccessTokenVerdict =
  | { ok: true; claims: AgentAccessClaims }
  | { ok: false; reason: 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED' };

const ACCESS_TOKEN_RE = /^bsat\.([A-Za-z0-9_-]{1,256})\.([A-Za-z0-9_-]{43})$/;
const MAX_ID = 0xffffffff;

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= MAX_ID;
}

function mac(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest();
}

/** Signs an access token. `key` is the gateway's HMAC key (32 bytes). */
export function signAgentAccessToken(claims: AgentAccessClaims, key: Buffer): string {
  if (!isId(claims.a) || !isId(claims.t) || !Number.isSafeInteger(claims.exp) || claims.exp < 0) {
    throw new RangeError('access token claims must be positive integers');
  }
  const payload = Buffer.from(JSON.stringify({ a: claims.a, t: claims.t, exp: claims.exp })).toString('base64url');
  const signed = `${ACCESS_TOKEN_PREFIX}${payload}`;
  return `${signed}.${mac(key, signed).toString('base64url')}`;
}

/**
 * Verifies an access token: shape, then the HMAC over the exact text (so any change to it is refused), then the
 * claims and the expiry. Never throws: anything that is not a valid, unexpired token is a refusal with a reason.
 */
export function verifyAgentAccessToken(token: string, key: Buffer, nowMs = Date.now()): AccessTokenVerdict {
  if (typeof token !== 'string') return { ok: false, reason: 'MALFORMED' };
  const m = ACCESS_TOKEN_RE.exec(token);
  if (!m) return { ok: false, reason: 'MALFORMED' };
  const payload = m[1] as string;
  // Compared as text, not as decoded bytes: base64url decoding ignores the unused low bits of the last character,
  // so several strings decode to the same mac and a byte comparison would accept altered tokens.
  const presented = Buffer.from(m[2] as string, 'latin1');
  const expected = Buffer.from(mac(key, `${ACCESS_TOKEN_PREFIX}${payload}`).toString('base64url'), 'latin1');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return { ok: false, reason: 'BAD_SIGNATURE' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'MALFORMED' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { ok: false, reason: 'MALFORMED' };
  const { a, t, exp, ...rest } = claims as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || !isId(a) || !isId(t) || typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    return { ok: false, reason: 'MALFORMED' };
  }
  if (exp * 1000 <= nowMs) return { ok: false, reason: 'EXPIRED' };
  return { ok: true, claims: { a, t, exp } };
}
