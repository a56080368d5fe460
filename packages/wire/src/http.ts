/** HTTP contract between agent and ingest gateway. */
export const INGEST_L7_PATH = '/v1/l7';
export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
/**
 * Legacy static agent credential: `bsa_<agentId>_<secret>` sent as `Authorization: Bearer …` (provisioned agents,
 * the demo seed). Enrolled agents send short-lived access tokens instead (see agent-credentials.ts).
 */
export const AGENT_TOKEN_PREFIX = 'bsa_';

export function formatAgentToken(agentId: number, secret: string): string {
  return `${AGENT_TOKEN_PREFIX}${agentId}_${secret}`;
}

export function parseAgentToken(token: string): { agentId: number; secret: string } | null {
  const m = /^bsa_([1-9][0-9]{0,9})_([A-Za-z0-9_-]{16,128})$/.exec(token);
  if (!m) return null;
  const agentId = Number(m[1]);
  if (!Number.isSafeInteger(agentId) || agentId > 0xffffffff) return null;
  return { agentId, secret: m[2] as string };
}

/** Error codes an ingest response may carry in its JSON body `{ error: { code, message } }`. */
export type IngestErrorCode =
  | 'UNAUTHENTICATED'
  | 'AGENT_REVOKED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'MALFORMED_BATCH'
  | 'INVALID_ROW'
  | 'STORAGE_UNAVAILABLE'
  // Backpressure (429 / 503 with Retry-After): the tenant's quota, or the whole gateway, is full.
  | 'QUOTA_EXCEEDED'
  | 'OVERLOADED'
  // Enrollment (POST /v1/enroll) and access tokens (POST /v1/agent/token):
  | 'INVALID_REQUEST'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REVOKED'
  | 'TOKEN_USED_UP'
  | 'CLOCK_SKEW'
  | 'REPLAYED'
  | 'RATE_LIMITED';

/** Host facts an agent reports when it enrolls. */
export interface HostFacts {
  hostname: string;
  /** /etc/machine-id (32 hex characters): identifies the machine across re-enrollments. */
  machineId: string;
  kernel: string;
  ips: string[];
  btf: boolean;
  capabilities: string[];
  cgroupVersion: 1 | 2;
  agentVersion: string;
}

/** POST /v1/enroll body. */
export interface EnrollRequest {
  token: string;
  /** Ed25519 public key, SPKI PEM (or the 32 raw bytes, base64). */
  publicKey: string;
  facts: HostFacts;
}

/** POST /v1/enroll answer. */
export interface EnrollResponse {
  agentId: number;
  tenantId: number;
  ingestUrl: string;
  /** false when this machine was already enrolled and its agent was updated. */
  created: boolean;
}

/** POST /v1/agent/token body: signature = base64 Ed25519 over agentTokenRequestMessage(agentId, timestamp). */
export interface AgentTokenRequest {
  agentId: number;
  timestamp: number;
  signature: string;
}

export interface AgentTokenResponse {
  accessToken: string;
  /** ISO 8601. */
  expiresAt: string;
}
