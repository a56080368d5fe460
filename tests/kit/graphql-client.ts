/** A minimal cookie-keeping GraphQL client, the way the console and automation talk to the API. */
export class GraphQLSession {
  private cookie = '';

  constructor(private readonly apiUrl: string) {}

  async request<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data: T | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
    const res = await fetch(`${this.apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const pair = c.split(';')[0] as string;
      if (pair.startsWith('bs_session=')) this.cookie = pair;
    }
    return (await res.json()) as { data: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
  }

  async login(email: string, password: string, tenantSlug?: string): Promise<void> {
    const r = await this.request('mutation($input: LoginInput!) { login(input: $input) { email tenant { slug } } }', {
      input: { email, password, tenantSlug },
    });
    if (r.errors) throw new Error(`login failed: ${r.errors[0]?.message}`);
  }
}

export const REQUESTS_QUERY = `
  query Requests($timeRange: TimeRangeInput!, $filter: RequestFilterInput, $page: PageInput) {
    requests(timeRange: $timeRange, filter: $filter, page: $page) {
      edges { cursor node { id time latencyUs pid processName side clientIp clientPort serverIp serverPort method path host status responseStatus requestBytes responseBytes agentId } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export interface RequestNode {
  id: string;
  time: string;
  latencyUs: number;
  pid: number;
  processName: string;
  side: string;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  method: string;
  path: string;
  host: string;
  status: number;
  responseStatus: string;
  requestBytes: number;
  responseBytes: number;
  agentId: number;
}

/** Reads every page of the request log matching `filter`. */
export async function allRequests(
  session: GraphQLSession,
  filter: Record<string, unknown>,
  fromMs = Date.now() - 3600_000,
): Promise<RequestNode[]> {
  const out: RequestNode[] = [];
  let after: string | undefined;
  for (let i = 0; i < 100; i++) {
    const r = await session.request<{
      requests: { edges: { node: RequestNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>(REQUESTS_QUERY, {
      timeRange: { from: new Date(fromMs).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      filter,
      page: { first: 500, after },
    });
    if (r.errors || !r.data) throw new Error(`requests query failed: ${JSON.stringify(r.errors)}`);
    out.push(...r.data.requests.edges.map((e) => e.node));
    if (!r.data.requests.pageInfo.hasNextPage) break;
    after = r.data.requests.pageInfo.endCursor;
  }
  return out;
}

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    last = await fn();
  }
  return last;
}

// biome-ignore lint/suspicious/noExplicitAny: answers of many shapes are navigated in assertions
type Loose = any;

/** The `data` of a GraphQL answer, or a thrown error naming its errors: for calls that must succeed. */
export async function ok(p: Promise<{ data: unknown; errors?: unknown }>): Promise<Record<string, Loose>> {
  const r = await p;
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data as Record<string, Loose>;
}
