// Server-side only: serves a public, unauthenticated API path at the same path on the console, so the address a
// user sees in the console works for `curl -fsSL <console>/install.sh` and the downloads that script makes.

import { apiBaseUrl, apiUnreachableMessage } from './api-url';

const FORWARDED_RESPONSE_HEADERS = ['content-type', 'content-length', 'content-disposition', 'cache-control'] as const;

/** Time to wait for the API's response headers; the body (a 100 MB Node.js binary) streams without a deadline. */
const HEADERS_TIMEOUT_MS = 60_000;

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store' } });
}

/**
 * Forwards a GET or HEAD to `apiPath` on the API and streams the answer back. The API builds URLs into what it
 * returns (install.sh names the server to download from), so it is told the console's address the way the
 * /graphql proxy tells it: X-Forwarded-Proto and X-Forwarded-Host, which it trusts from loopback only.
 */
export async function passThroughToApi(
  request: Request,
  apiPath: string,
  base: string = apiBaseUrl(),
): Promise<Response> {
  const url = new URL(request.url);
  const headers = new Headers({
    'x-forwarded-proto': url.protocol.replace(/:$/, ''),
    'x-forwarded-host': request.headers.get('host') ?? url.host,
  });
  const userAgent = request.headers.get('user-agent');
  if (userAgent !== null) headers.set('user-agent', userAgent);
  const forwardedFor = request.headers.get('x-forwarded-for');
  if (forwardedFor !== null) headers.set('x-forwarded-for', forwardedFor);

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error('timeout')), HEADERS_TIMEOUT_MS);
  let upstream: Response;
  try {
    upstream = await fetch(`${base}${apiPath}`, {
      method: request.method === 'HEAD' ? 'HEAD' : 'GET',
      headers,
      redirect: 'manual',
      cache: 'no-store',
      signal: abort.signal,
    });
  } catch (error) {
    if (abort.signal.aborted) {
      return errorResponse(504, 'API_TIMEOUT', `The Bathyscope API at ${base} did not answer in time.`);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    console.error(`[bathyscope-web] ${apiUnreachableMessage(base)} (${cause})`);
    return errorResponse(502, 'API_UNREACHABLE', apiUnreachableMessage(base));
  } finally {
    clearTimeout(timer);
  }

  const responseHeaders = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) responseHeaders.set(name, value);
  }
  const bodyless = request.method === 'HEAD' || upstream.status === 204 || upstream.status === 304;
  return new Response(bodyless ? null : upstream.body, { status: upstream.status, headers: responseHeaders });
}
