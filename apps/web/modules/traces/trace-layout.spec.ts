import { describe, expect, it } from 'vitest';
import { ancestorIds, formatShare, layoutBars, spanDetails, spanTypeIcon } from './trace-layout';
import { traceStartFromSearchParams, traceStartFromText, tracesPath } from './trace-start';
import type { TraceSpan } from './traces.queries';

const span = (id: string, parentId: string | null, depth: number, startUs: number, endUs: number): TraceSpan => ({
  id,
  type: 'SYSTEM',
  parentId,
  link: parentId ? 'tcp_seq' : null,
  depth,
  startUs,
  endUs,
  durationUs: endUs - startUs,
  selfTimeUs: 0,
  call: `GET /${id}`,
  service: 'svc',
  instance: 'node (pid 1)',
  side: 'server',
  protocol: 'http1',
  status: 'ok',
  statusCode: 200,
  processName: 'node',
  pid: 1,
  agentId: 1,
  clientIp: '10.0.0.1',
  clientPort: 40000,
  serverIp: '::1',
  serverPort: 80,
  namespace: '',
  traceId: '',
  spanId: '',
  parentSpanId: '',
  xRequestId: 'r',
  syscallTraceIdRequest: '0',
  syscallTraceIdResponse: '7',
  reqTcpSeq: 0,
  respTcpSeq: 5,
  requestLogId: null,
  attributes: [{ key: 'endpoint', value: '/x' }],
});

describe('trace layout', () => {
  const spans = [span('a', null, 0, 1000, 2000), span('b', 'a', 1, 1250, 1750), span('c', 'b', 2, 1500, 1600)];

  it('places bars by time (x) and depth (y), clamped to the trace', () => {
    const bars = layoutBars([...spans, span('late', 'a', 1, 1900, 2500)], 1000, 1000);
    expect(bars.map((b) => [b.leftPct, b.widthPct, b.depth])).toEqual([
      [0, 100, 0],
      [25, 50, 1],
      [50, 10, 2],
      [90, 10, 1],
    ]);
  });

  it('finds a span and its ancestors', () => {
    expect([...ancestorIds(spans, 'c')]).toEqual(['c', 'b', 'a']);
    expect([...ancestorIds(spans, 'nope')]).toEqual([]);
  });

  it('labels types and shares', () => {
    expect(['APPLICATION', 'SYSTEM', 'NETWORK', 'X'].map(spanTypeIcon)).toEqual(['A', 'S', 'N', '?']);
    expect([0, 0.0004, 0.05, 0.5].map(formatShare)).toEqual(['0 %', '<0.1 %', '5.0 %', '50 %']);
  });

  it('lists details without empty values, IPv6 in brackets', () => {
    const details = Object.fromEntries(spanDetails(spans[0] as TraceSpan));
    expect(details.Server).toBe('[::1]:80');
    expect(details['Syscall trace id (request)']).toBeUndefined();
    expect(details['Syscall trace id (response)']).toBe('7');
    expect(details.endpoint).toBe('/x');
  });

  it('round-trips the start through the URL and reads the search box', () => {
    expect(tracesPath('acme', { requestLogId: 'abc' })).toBe('/t/acme/traces?row=abc');
    expect(traceStartFromSearchParams({ row: 'abc' })).toEqual({ requestLogId: 'abc' });
    expect(traceStartFromSearchParams({ requestId: ['r-1'] })).toEqual({ xRequestId: 'r-1' });
    expect(traceStartFromSearchParams({})).toBeNull();
    expect(traceStartFromText(' 0AF7651916CD43DD8448EB211C80319C ')).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    expect(traceStartFromText('req-42')).toEqual({ xRequestId: 'req-42' });
    expect(traceStartFromText('  ')).toBeNull();
  });
});
