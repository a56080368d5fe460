// Server-side only: API_URL is read when a request is handled, not inlined at build time, so a
// build can be started against any API with `API_URL=… next start`.

export const DEFAULT_API_URL = 'http://127.0.0.1:4000';

/** Base URL of the Bathyscope API, without a trailing slash. */
export function apiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.API_URL?.trim();
  return (configured ? configured : DEFAULT_API_URL).replace(/\/+$/, '');
}

export function apiGraphqlUrl(env: NodeJS.ProcessEnv = process.env): string {
  return `${apiBaseUrl(env)}/graphql`;
}

export function apiUnreachableMessage(base: string = apiBaseUrl()): string {
  return `Cannot reach the Bathyscope API at ${base}.`;
}

export function apiTimeoutMessage(seconds: number, base: string = apiBaseUrl()): string {
  return `The Bathyscope API at ${base} did not answer within ${seconds} s.`;
}
