export { AgentAuthenticator, hashAgentSecret } from './agent-auth';
export { createIngestServer, type IngestServerOptions } from './ingest-server';
export { IngestMetrics } from './ingest-metrics';
export { InvalidRowError, toL7FlowLogRows, formatMicros, ROW_LIMITS } from './l7-rows';
export { AGENT_STATUS_PATH, type AgentStatusReport } from './agent-status';
export { newEnrollmentToken } from './enrollment-token';
export { loadAgentTokenKey } from './agent-token-key';
export { parseEd25519PublicKey, verifyAgentSignature } from './agent-keys';
export { FailureLimiter } from './failure-limiter';
