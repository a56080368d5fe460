import { defineOperation } from '@/lib/graphql';

export type RequestSide = 'client' | 'server' | 'network';
export type ResponseStatus = 'ok' | 'client_error' | 'server_error' | 'timeout' | 'unknown';

export interface RequestLog {
  id: string;
  time: string;
  endTime: string;
  latencyUs: number;
  pid: number;
  processName: string;
  /** Typed as string too: the API does not promise the set will never grow. */
  side: RequestSide | (string & {});
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  method: string;
  path: string;
  host: string;
  version: string;
  status: number;
  responseStatus: ResponseStatus | (string & {});
  requestBytes: number;
  responseBytes: number;
  agentId: number;
  /** Where the observed workload runs; "" when the agent could not tell. */
  namespace: string;
  service: string;
  environment: string;
  /** Fields a field-level policy emptied for the viewer, e.g. ["path", "clientIp"]. */
  redactedFields: string[];
}

export interface TimeRangeInput {
  from: string;
  to: string;
}

export interface RequestFilterInput {
  method?: string;
  pathContains?: string;
  status?: number;
  namespace?: string;
  service?: string;
  workload?: string;
  pod?: string;
  host?: string;
  traceId?: string;
  spanId?: string;
  xRequestId?: string;
  protocol?: string;
  endpoint?: string;
  resource?: string;
}

export interface PageInput {
  first?: number;
  after?: string;
}

export interface RequestsVariables {
  timeRange: TimeRangeInput;
  filter?: RequestFilterInput;
  page?: PageInput;
}

export interface RequestsData {
  requests: {
    edges: Array<{ cursor: string; node: RequestLog }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

export const REQUESTS_QUERY = defineOperation<RequestsData, RequestsVariables>(
  'RequestLog',
  `query RequestLog($timeRange: TimeRangeInput!, $filter: RequestFilterInput, $page: PageInput) {
  requests(timeRange: $timeRange, filter: $filter, page: $page) {
    edges {
      cursor
      node {
        id time endTime latencyUs pid processName side
        clientIp clientPort serverIp serverPort
        method path host version status responseStatus
        requestBytes responseBytes agentId
        namespace service environment redactedFields
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

/** Rows fetched per page; the API accepts 1..500. */
export const PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;
