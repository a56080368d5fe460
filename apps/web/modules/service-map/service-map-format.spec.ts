import { describe, expect, it } from 'vitest';
import {
  edgeMetricRows,
  formatLatency,
  formatPercent,
  formatRate,
  health,
  mapSearch,
  mapWindow,
  parseGroupBy,
  parseRange,
} from './service-map-format';
import { layoutGraph, NODE_WIDTH } from './service-map-layout';
import type { MapEdge, Red } from './service-map.queries';

const red = (over: Partial<Red> = {}): Red => ({
  requests: 4,
  requestRate: 4 / 60,
  clientErrors: 0,
  serverErrors: 1,
  timeouts: 0,
  errorRate: 0.25,
  latencyMeanUs: 2000,
  latencyP50Us: 2000,
  latencyP95Us: 2000,
  latencyP99Us: 2000,
  ...over,
});

describe('service map URL state', () => {
  it('reads range and grouping from the URL, falling back to the defaults on anything else', () => {
    expect(parseRange('6h')).toBe('6h');
    expect(parseRange(['24h', '1h'])).toBe('24h');
    expect(parseRange("1h' OR 1=1")).toBe('1h');
    expect(parseGroupBy('pod')).toBe('POD');
    expect(parseGroupBy('TABLE')).toBe('SERVICE');
    expect(parseGroupBy(undefined)).toBe('SERVICE');
  });
  it('writes only what differs from the defaults', () => {
    expect(mapSearch('1h', 'SERVICE')).toBe('');
    expect(mapSearch('15m', 'NAMESPACE')).toBe('?range=15m&group=namespace');
    expect(mapSearch('6h')).toBe('?range=6h');
  });
  it('computes a window ending now', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(mapWindow('15m', now)).toEqual({ from: '2026-01-01T11:45:00.000Z', to: '2026-01-01T12:00:00.000Z' });
  });
});

describe('service map figures', () => {
  it('formats rates, percentages and latencies for people', () => {
    expect(formatRate(0)).toBe('0 req/s');
    expect(formatRate(4 / 60)).toBe('0.07 req/s');
    expect(formatRate(4 / 3600)).toBe('0.07 req/min');
    expect(formatRate(250)).toBe('250 req/s');
    expect(formatPercent(0.25)).toBe('25%');
    expect(formatPercent(0.0123)).toBe('1.2%');
    expect(formatLatency(0)).toBe('–');
    expect(formatLatency(500)).toBe('500 µs');
    expect(formatLatency(2000)).toBe('2.0 ms');
    expect(formatLatency(2_500_000)).toBe('2.50 s');
  });
  it('colours by error rate', () => {
    expect(health(red({ requests: 0, errorRate: 0 }))).toBe('idle');
    expect(health(red({ errorRate: 0 }))).toBe('ok');
    expect(health(red({ errorRate: 0.01 }))).toBe('warn');
    expect(health(red())).toBe('bad');
  });
  it('lists L4 figures in the tooltip only when the flow rollups cover the edge', () => {
    const edge: MapEdge = { id: 'a->b', source: 'a', target: 'b', observedAt: 'client', red: red(), net: null };
    expect(edgeMetricRows(edge).map(([k]) => k)).not.toContain('Retransmissions');
    const rows = edgeMetricRows({
      ...edge,
      net: {
        bytes: 2048,
        retransmissions: 3,
        zeroWindows: 0,
        resets: 1,
        newFlows: 1,
        rttMeanUs: 250,
        connectionSetupMeanUs: 800,
      },
    });
    expect(Object.fromEntries(rows)).toMatchObject({
      Requests: '4 (0.07 req/s)',
      Errors: '25%',
      Bytes: '2.0 KiB',
      Retransmissions: '3',
      RTT: '250 µs',
      'Connection setup': '800 µs',
    });
  });
});

describe('service map layout', () => {
  it('puts callers left of callees', () => {
    const p = layoutGraph(
      ['a', 'b', 'c'],
      [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
      ],
    );
    const x = (id: string) => p.get(id)?.x ?? Number.NaN;
    expect(x('a')).toBeLessThan(x('b'));
    expect(x('b') - x('a')).toBeGreaterThanOrEqual(NODE_WIDTH);
    expect(x('b')).toBeLessThan(x('c'));
  });
  it('survives self-calls and isolated nodes', () => {
    const p = layoutGraph(['a', 'b'], [{ source: 'a', target: 'a' }]);
    expect(p.size).toBe(2);
  });
});
