/**
 * A small typed GraphQL client shared by browser and server code.
 *
 * Browser code posts to the same-origin `/graphql` Route Handler (which forwards to the API with the
 * session cookie); server components pass the API's absolute endpoint and the incoming cookie.
 * Every failure becomes a {@link GraphQLRequestError} with a `code`, so views branch on codes
 * (UNAUTHENTICATED → sign-in page) instead of parsing messages.
 */

/** Codes the API sets in `extensions.code`, plus the ones the console produces itself. */
export type KnownErrorCode =
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  /** Something with that name exists already; `extensions.field` says which input. */
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'TOO_MANY_ATTEMPTS'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'INTERNAL_SERVER_ERROR'
  /** The console server could not open a connection to the API (set by the /graphql proxy). */
  | 'API_UNREACHABLE'
  /** The API accepted the connection but did not answer in time. */
  | 'API_TIMEOUT'
  /** The browser could not reach the console server itself. */
  | 'NETWORK_ERROR'
  /** A response that is not a GraphQL JSON document (e.g. an HTML error page from a proxy). */
  | 'BAD_RESPONSE';

/** Known codes keep autocompletion; any other string the API invents still type-checks. */
export type ErrorCode = KnownErrorCode | (string & {});

export interface GraphQLErrorPayload {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string } & Record<string, unknown>;
}

interface GraphQLResponseBody<TData> {
  data?: TData | null;
  errors?: GraphQLErrorPayload[];
}

/** A GraphQL document tagged with the shapes of its result and variables. */
export interface GraphQLOperation<TData, TVariables> {
  readonly operationName: string;
  readonly query: string;
  /** Type-level only; never set at run time. */
  readonly __types?: { data: TData; variables: TVariables };
}

export function defineOperation<TData, TVariables = Record<string, never>>(
  operationName: string,
  query: string,
): GraphQLOperation<TData, TVariables> {
  return { operationName, query };
}

export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError';

  constructor(
    message: string,
    readonly code: ErrorCode,
    /** HTTP status of the response, when there was one. */
    readonly status?: number,
    readonly errors: readonly GraphQLErrorPayload[] = [],
  ) {
    super(message);
  }
}

export function isGraphQLRequestError(error: unknown): error is GraphQLRequestError {
  return error instanceof GraphQLRequestError;
}

export interface GraphQLRequestOptions {
  /** Defaults to the same-origin proxy, `/graphql`. */
  endpoint?: string;
  signal?: AbortSignal;
  /** Extra request headers, e.g. the incoming `cookie` when called from a server component. */
  headers?: Record<string, string>;
}

export async function graphqlRequest<TData, TVariables>(
  operation: GraphQLOperation<TData, TVariables>,
  variables: TVariables,
  options: GraphQLRequestOptions = {},
): Promise<TData> {
  const endpoint = options.endpoint ?? '/graphql';
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify({ operationName: operation.operationName, query: operation.query, variables }),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (error) {
    // A caller's abort is not a failure to report; let it propagate untouched.
    if (error instanceof Error && error.name === 'AbortError') throw error;
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new GraphQLRequestError(`No answer from ${endpoint} in time.`, 'API_TIMEOUT');
    }
    // undici reports "fetch failed" and puts the useful part (ECONNREFUSED …) in `cause`.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new GraphQLRequestError(`Cannot reach ${endpoint} (${reason}).`, 'NETWORK_ERROR');
  }

  let body: GraphQLResponseBody<TData>;
  try {
    body = (await response.json()) as GraphQLResponseBody<TData>;
  } catch {
    throw new GraphQLRequestError(
      `Unexpected response from ${endpoint} (HTTP ${response.status}).`,
      'BAD_RESPONSE',
      response.status,
    );
  }

  const [first] = body.errors ?? [];
  if (first !== undefined) {
    throw new GraphQLRequestError(
      first.message,
      first.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
      response.status,
      body.errors,
    );
  }
  if (body.data === undefined || body.data === null) {
    throw new GraphQLRequestError(
      `Response from ${endpoint} had no data (HTTP ${response.status}).`,
      'BAD_RESPONSE',
      response.status,
    );
  }
  return body.data;
}
