import { defineOperation } from '@/lib/graphql';

export type DashboardProtocol = 'DNS' | 'SQL' | 'REDIS' | 'KAFKA' | 'HTTP';
export type NetworkGroupBy = 'POD' | 'HOST';

export interface TimeRangeInput {
  from: string;
  to: string;
}

export interface ProtocolPoint {
  time: string;
  requests: number;
  errors: number;
  ratePerSecond: number;
  avgLatencyUs: number;
  maxLatencyUs: number;
  p99LatencyUs: number;
}

export interface ProtocolTopRow {
  key: string;
  requestType: string;
  resource: string;
  requests: number;
  errors: number;
  errorRate: number;
  avgLatencyUs: number;
  maxLatencyUs: number;
  nxdomain: number | null;
}

export interface ProtocolTopTable {
  id: string;
  title: string;
  from: string;
  rows: ProtocolTopRow[];
}

export interface ProtocolOverview {
  protocol: DashboardProtocol;
  stepSeconds: number;
  totals: {
    requests: number;
    errors: number;
    errorRate: number;
    avgLatencyUs: number;
    maxLatencyUs: number;
    p99LatencyUs: number;
    nxdomain: number | null;
  };
  series: ProtocolPoint[];
  tables: ProtocolTopTable[];
}

export const PROTOCOL_OVERVIEW_QUERY = defineOperation<
  { protocolOverview: ProtocolOverview },
  { protocol: DashboardProtocol; timeRange: TimeRangeInput }
>(
  'ProtocolOverview',
  `query ProtocolOverview($protocol: DashboardProtocol!, $timeRange: TimeRangeInput!) {
  protocolOverview(protocol: $protocol, timeRange: $timeRange) {
    protocol stepSeconds
    totals { requests errors errorRate avgLatencyUs maxLatencyUs p99LatencyUs nxdomain }
    series { time requests errors ratePerSecond avgLatencyUs maxLatencyUs p99LatencyUs }
    tables { id title from rows { key requestType resource requests errors errorRate avgLatencyUs maxLatencyUs nxdomain } }
  }
}`,
);

export interface NetworkMetrics {
  bytesTx: number;
  bytesRx: number;
  retransmissions: number;
  zeroWindows: number;
  resets: number;
  connectFailures: number;
  newFlows: number;
  avgRttUs: number;
  maxRttUs: number;
  avgConnSetupUs: number;
  maxConnSetupUs: number;
}

export interface NetworkEntity extends NetworkMetrics {
  id: number;
  name: string;
  series: Array<NetworkMetrics & { time: string }>;
}

export interface NetworkOverview {
  groupBy: NetworkGroupBy;
  stepSeconds: number;
  entities: NetworkEntity[];
}

const METRICS =
  'bytesTx bytesRx retransmissions zeroWindows resets connectFailures newFlows avgRttUs maxRttUs avgConnSetupUs maxConnSetupUs';

export const NETWORK_OVERVIEW_QUERY = defineOperation<
  { networkOverview: NetworkOverview },
  { groupBy: NetworkGroupBy; timeRange: TimeRangeInput; limit: number }
>(
  'NetworkOverview',
  `query NetworkOverview($groupBy: NetworkGroupBy!, $timeRange: TimeRangeInput!, $limit: Int) {
  networkOverview(groupBy: $groupBy, timeRange: $timeRange, limit: $limit) {
    groupBy stepSeconds
    entities { id name ${METRICS} series { time ${METRICS} } }
  }
}`,
);
