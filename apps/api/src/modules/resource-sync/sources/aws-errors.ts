import { parseRetryAfter } from './paged-listing.js';
import { SourceError } from './source-types.js';

/**
 * Maps what the AWS SDK throws to the sources' error vocabulary. The SDK's own retries are disabled
 * (`maxAttempts: 1`), so every throttle reaches us and the connector scheduler owns backoff across runs.
 */

/** Codes meaning the credentials (or the role they assume) are missing, wrong, expired or not allowed. */
const UNAUTHORIZED_CODES = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'AccessDenied',
  'AccessDeniedException',
  'OptInRequired',
  'InvalidAccessKeyId',
  'UnrecognizedClientException',
  'Blocked',
]);

const THROTTLE_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

/**
 * AWS sends no Retry-After on throttles; its guidance is exponential backoff. This is the first step the
 * scheduler should wait when no header says otherwise.
 */
export const AWS_THROTTLE_RETRY_AFTER_MS = 5_000;

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

function retryAfterHeader(e: SdkErrorShape): string | undefined {
  const headers = e.$response?.headers;
  if (!headers) return undefined;
  return headers['retry-after'] ?? headers['Retry-After'];
}

/** `what` names the call (`DescribeInstances in us-east-1`) so the console shows where it failed. */
export function awsErrorToSourceError(err: unknown, what: string): SourceError {
  if (err instanceof SourceError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const detail = `${what}: ${name ? `${name}: ` : ''}${e.message ?? String(err)}`;

  if (UNAUTHORIZED_CODES.has(name)) return new SourceError(detail, 'unauthorized', false);
  if (THROTTLE_CODES.has(name) || status === 429) {
    const after = parseRetryAfter(retryAfterHeader(e)) ?? AWS_THROTTLE_RETRY_AFTER_MS;
    return new SourceError(detail, 'rate_limited', true, after);
  }
  // The SDK reports a body it cannot parse as a deserialization failure; our own shape checks throw SourceError.
  if (
    /deserializ|xml|unexpected end|non-whitespace|parse/i.test(`${name} ${e.message ?? ''}`) &&
    status !== undefined &&
    status < 500
  ) {
    return new SourceError(detail, 'malformed', true);
  }
  if (NETWORK_CODES.has(e.code ?? '') || name === 'TimeoutError' || status === undefined || status >= 500) {
    return new SourceError(detail, 'unreachable', true);
  }
  // Any other 4xx is a request AWS refuses for reasons backing off will not change (bad region, bad filter).
  return new SourceError(detail, 'config', false);
}
