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
    /** Sent as Retry-After (429 and 503): OTLP exporters and Prometheus wait that long before retrying. */
    readonly retryAfterSeconds?: number,
    /** Rows (spans, samples) in the refused request, when it was decoded far enough to know. */
    readonly rows = 0,
  ) {
    super(message);
  }
}

export const malformed = (message: string) => new SignalError(400, 'MALFORMED_BATCH', message);
export const invalidRow = (message: string) => new SignalError(422, 'INVALID_ROW', message);
export const limitExceeded = (message: string) => new SignalError(422, 'LIMIT_EXCEEDED', message);

/** ClickHouse refused or is unreachable: retryable, after Retry-After. */
export const storageUnavailable = (cause: unknown, rows: number) =>
  Object.assign(new SignalError(503, 'STORAGE_UNAVAILABLE', 'storage is unavailable, retry later', 5, rows), { cause });

/**
 * Sent explicitly with every standard-signal insert: the empty token means "deduplicate by the block's content",
 * the tables' default. Leaving the setting out is not the same on chDB: its connection applies
 * `clickhouse_settings` as session `SET`s, so the token of the last agent batch (`agent:stream:seq`) stayed in force
 * and every later OTLP/remote_write block was dropped as a duplicate of the first one that carried it.
 */
export const NO_DEDUPLICATION_TOKEN = '';
