import { defineOperation } from '@/lib/graphql';

export type GroupBy = 'SERVICE' | 'WORKLOAD' | 'POD' | 'HOST' | 'NAMESPACE';

export interface TimeRangeInput {
  from: string;
  to: string;
}

/** RED figures over a range: rates per second, latencies in microseconds. */
export interface Red {
  requests: number;
  requestRate: number;
  clientErrors: number;
  serverErrors: number;
  timeouts: number;
  errorRate: number;
  latencyMeanUs: number;
  latencyP50Us: number;
  latencyP95Us: number;
  latencyP99Us: number;
}

export interface NetMetrics {
  bytes: number;
  retransmissions: number;
  zeroWindows: number;
  resets: number;
  newFlows: number;
  rttMeanUs: number;
  connectionSetupMeanUs: number;
}

export interface MapNode {
  id: string;
  kind: string;
  resourceId: number;
  name: string;
  namespace: string;
  unresolved: boolean;
  red: Red;
}

export interface MapEdge {
  id: string;
  source: string;
  target: string;
  /** client or server: which end's observation the figures come from. */
  observedAt: string;
  red: Red;
  net: NetMetrics | null;
}

export interface ServiceMapData {
  resolution: string;
  from: string;
  to: string;
  nodes: MapNode[];
  edges: MapEdge[];
}

const RED_FIELDS =
  'requests requestRate clientErrors serverErrors timeouts errorRate latencyMeanUs latencyP50Us latencyP95Us latencyP99Us';

export const SERVICE_MAP_QUERY = defineOperation<
  { serviceMap: ServiceMapData },
  { timeRange: TimeRangeInput; groupBy: GroupBy }
>(
  'ServiceMap',
  `query ServiceMap($timeRange: TimeRangeInput!, $groupBy: ServiceMapGroupBy) {
    serviceMap(timeRange: $timeRange, groupBy: $groupBy) {
      resolution from to
      nodes { id kind resourceId name namespace unresolved red { ${RED_FIELDS} } }
      edges { id source target observedAt red { ${RED_FIELDS} }
              net { bytes retransmissions zeroWindows resets newFlows rttMeanUs connectionSetupMeanUs } }
    }
  }`,
);

export interface ServicePoint {
  time: string;
  requestRate: number;
  errorRate: number;
  latencyP50Us: number;
  latencyP95Us: number;
  latencyP99Us: number;
}

export interface ServicePeer {
  serviceId: number;
  name: string;
  namespace: string;
  red: Red;
}

export interface ServiceEndpoint {
  endpoint: string;
  red: Red;
  series: ServicePoint[];
}

export interface ServiceDetailData {
  serviceId: number;
  name: string;
  namespace: string;
  step: number;
  resolution: string;
  red: Red;
  series: ServicePoint[];
  endpoints: ServiceEndpoint[];
  upstream: ServicePeer[];
  downstream: ServicePeer[];
}

const POINT_FIELDS = 'time requestRate errorRate latencyP50Us latencyP95Us latencyP99Us';

export const SERVICE_DETAIL_QUERY = defineOperation<
  { serviceDetail: ServiceDetailData },
  { serviceId: number; timeRange: TimeRangeInput }
>(
  'ServiceDetail',
  `query ServiceDetail($serviceId: Int!, $timeRange: TimeRangeInput!) {
    serviceDetail(serviceId: $serviceId, timeRange: $timeRange, endpoints: 20) {
      serviceId name namespace step resolution
      red { ${RED_FIELDS} }
      series { ${POINT_FIELDS} }
      endpoints { endpoint red { ${RED_FIELDS} } series { ${POINT_FIELDS} } }
      upstream { serviceId name namespace red { ${RED_FIELDS} } }
      downstream { serviceId name namespace red { ${RED_FIELDS} } }
    }
  }`,
);

export function serviceMapPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/services/map`;
}

export function servicesPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/services`;
}

export function servicePath(tenantSlug: string, serviceId: number): string {
  return `/t/${encodeURIComponent(tenantSlug)}/services/${serviceId}`;
}
