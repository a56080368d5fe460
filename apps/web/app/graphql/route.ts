import type { NextRequest } from 'next/server';
import { apiBaseUrl, apiGraphqlUrl, apiTimeoutMessage, apiUnreachableMessage } from '@/lib/api-url';

// Same-origin proxy to the API. A Route Handler rather than a next.config rewrite because rewrites
// are frozen at build time, while API_URL is read here on every request.

const FORWARDED_REQUEST_HEADERS = [
  'accept',
  // API keys (`Bearer bsk_…`), so automation can use the console's address as well as the API's.
  'authorization',
  'content-type',
  'cookie',
  'user-agent',
  'x-forwarded-for',
  // Apollo's CSRF prevention accepts GET queries that carry one of these.
  'apollo-require-preflight',
  'x-apollo-operation-name',
] as const;

const FORWARDED_RESPONSE_HEADERS = ['content-type', 'cache-control'] as const;

const UPSTREAM_TIMEOUT_S = 30;

function gatewayError(status: number, code: string, message: string): Response {
  return Response.json(
    { errors: [{ message, extensions: { code } }] },
    { status, headers: { 'cache-control': 'no-store' } },
  );
}

async function forward(request: NextRequest): Promise<Response> {
  const target = new URL(apiGraphqlUrl());
  target.search = request.nextUrl.search;

  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  headers.set('x-forwarded-proto', request.nextUrl.protocol.replace(/:$/, ''));
  headers.set('x-forwarded-host', request.headers.get('host') ?? request.nextUrl.host);

  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: 'manual',
      cache: 'no-store',
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_S * 1000),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return gatewayError(504, 'API_TIMEOUT', apiTimeoutMessage(UPSTREAM_TIMEOUT_S));
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    console.error(`[bathyscope-web] ${apiUnreachableMessage()} (${cause})`);
    return gatewayError(502, 'API_UNREACHABLE', apiUnreachableMessage(apiBaseUrl()));
  }

  const responseHeaders = new Headers({ 'cache-control': 'no-store' });
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) responseHeaders.set(name, value);
  }
  // Set-Cookie must be copied one by one: joined into one header, cookie attributes get mangled.
  for (const cookie of upstream.headers.getSetCookie()) responseHeaders.append('set-cookie', cookie);

  const bodyless = upstream.status === 204 || upstream.status === 304 || request.method === 'HEAD';
  return new Response(bodyless ? null : await upstream.arrayBuffer(), {
    status: upstream.status,
    headers: responseHeaders,
  });
}

export async function POST(request: NextRequest): Promise<Response> {
  return forward(request);
}

export async function GET(request: NextRequest): Promise<Response> {
  return forward(request);
}
