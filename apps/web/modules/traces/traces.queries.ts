import { defineOperation } from '@/lib/graphql';
import type { TraceStart } from './trace-start';

export type TraceSpanType = 'APPLICATION' | 'SYSTEM' | 'NETWORK';

export interface TraceSpan {
  id: string;
  type: TraceSpanType | (string & {});
  parentId: string | null;
  link: string | null;
  depth: number;
  startUs: number;
  endUs: number;
  durationUs: number;
  selfTimeUs: number;
  call: string;
  service: string;
  instance: string;
  side: string;
  protocol: string;
  status: string;
  statusCode: number;
  processName: string;
  pid: number;
  agentId: number;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  namespace: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  xRequestId: string;
  syscallTraceIdRequest: string;
  syscallTraceIdResponse: string;
  reqTcpSeq: number;
  respTcpSeq: number;
  requestLogId: string | null;
  attributes: { key: string; value: string }[];
}

export interface TraceServiceLatency {
  service: string;
  selfTimeUs: number;
  share: number;
  spanCount: number;
}

export interface Trace {
  spans: TraceSpan[];
  services: TraceServiceLatency[];
  startUs: number;
  durationUs: number;
  iterations: number;
  truncated: string | null;
}

export const TRACE_QUERY = defineOperation<{ trace: Trace }, { from: TraceStart }>(
  'Trace',
  `query Trace($from: TraceStartInput!) {
    trace(from: $from) {
      startUs durationUs iterations truncated
      services { service selfTimeUs share spanCount }
      spans {
        id type parentId link depth startUs endUs durationUs selfTimeUs call service instance side protocol status
        statusCode processName pid agentId clientIp clientPort serverIp serverPort namespace traceId spanId
        parentSpanId xRequestId syscallTraceIdRequest syscallTraceIdResponse reqTcpSeq respTcpSeq requestLogId
        attributes { key value }
      }
    }
  }`,
);
