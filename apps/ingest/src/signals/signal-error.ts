import type { IngestErrorCode } from '@bathyscope/wire';

/**
 * Codes of the standard-signal routes: the agent-batch codes plus two that only apply here. LIMIT_EXCEEDED is a
 * request that is well-formed but too big in one dimension (labels per series, attributes per span …);
 * PERMISSION_DENIED is a valid API key whose role may not write telemetry.
 */
export type SignalErrorCode = IngestErrorCode | 'LIMIT_EXCEEDED' | 'PERMISSION_DENIED';

/** A refused request: the HTTP status, the code counted in /metrics and the message the client sees. */
export class SignalError extends Error {
  constructor(
    readonly status: number,
    readonly code: SignalErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const malformed = (message: string) => new SignalError(400, 'MALFORMED_BATCH', message);
export const invalidRow = (message: string) => new SignalError(422, 'INVALID_ROW', message);
export const limitExceeded = (message: string) => new SignalError(422, 'LIMIT_EXCEEDED', message);
