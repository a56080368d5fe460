import { defineOperation } from '@/lib/graphql';

export interface TimeRangeInput {
  from: string;
  to: string;
}

export interface FlowFilterInput {
  namespace?: string;
  workload?: string;
  pod?: string;
  host?: string;
  service?: string;
  clientIp?: string;
  serverIp?: string;
  serverPort?: number;
  protocol?: string;
  closeType?: string;
  minRttUs?: number;
  minRetransmissions?: number;
}

export interface FlowEnd {
  ip: string;
  port: number;
  host: string;
  namespace: string;
  workload: string;
  pod: string;
  service: string;
  process: string;
}

export interface FlowLog {
  id: string;
  time: string;
  endTime: string;
  flowId: string;
  side: string;
  protocol: string;
  closeType: string;
  processName: string;
  client: FlowEnd;
  server: FlowEnd;
  bytesTx: number;
  bytesRx: number;
  packetsTx: number;
  packetsRx: number;
  retransTx: number;
  retransRx: number;
  zeroWinTx: number;
  zeroWinRx: number;
  rttUs: number;
  connSetupUs: number;
}

export interface FlowsData {
  flows: {
    edges: Array<{ cursor: string; node: FlowLog }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

export interface FlowsVariables {
  timeRange: TimeRangeInput;
  filter?: FlowFilterInput;
  page?: { first?: number; after?: string };
}

const END = 'ip port host namespace workload pod service process';

export const FLOWS_QUERY = defineOperation<FlowsData, FlowsVariables>(
  'FlowLog',
  `query FlowLog($timeRange: TimeRangeInput!, $filter: FlowFilterInput, $page: PageInput) {
  flows(timeRange: $timeRange, filter: $filter, page: $page) {
    edges {
      cursor
      node {
        id time endTime flowId side protocol closeType processName
        client { ${END} }
        server { ${END} }
        bytesTx bytesRx packetsTx packetsRx retransTx retransRx zeroWinTx zeroWinRx rttUs connSetupUs
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
);

/** Rows per page; the API accepts 1..500. */
export const FLOW_PAGE_SIZE = 50;
