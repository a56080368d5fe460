/** HTTP contract between agent and ingest gateway. */
export const INGEST_L7_PATH = '/v1/l7';
export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
/** Agent credential format: `bsa_<agentId>_<secret>` sent as `Authorization: Bearer …`. */
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
  | 'STORAGE_UNAVAILABLE';
