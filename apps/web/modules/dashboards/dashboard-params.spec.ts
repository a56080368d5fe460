import { describe, expect, it } from 'vitest';
import {
  alignSeries,
  formatBytes,
  formatLatency,
  networkParamsFrom,
  networkSearch,
  protocolsParamsFrom,
  protocolsSearch,
} from './dashboard-params';

describe('dashboard URL state', () => {
  it('round-trips the protocol tab and the time range, leaving defaults out', () => {
    const p = protocolsParamsFrom({ range: '6h', protocol: 'REDIS' });
    expect(p).toEqual({ range: '6h', tab: 'redis' });
    expect(protocolsSearch(p)).toBe('range=6h&protocol=redis');
    expect(protocolsSearch(protocolsParamsFrom({}))).toBe('');
    expect(protocolsParamsFrom({ range: '9y', protocol: "dns' OR 1=1" })).toEqual({ range: '1h', tab: 'dns' });
  });

  it('round-trips the network grouping', () => {
    expect(networkParamsFrom({ groupBy: 'host', range: '24h' })).toEqual({ range: '24h', groupBy: 'HOST' });
    expect(networkSearch({ range: '24h', groupBy: 'HOST' })).toBe('range=24h&groupBy=host');
    expect(networkParamsFrom({ groupBy: ['x'] })).toEqual({ range: '1h', groupBy: 'POD' });
  });
});

describe('alignSeries', () => {
  it('fills the steps between points so charts show gaps', () => {
    const points = [
      { time: '2026-01-01T00:00:00.000Z', v: 1 },
      { time: '2026-01-01T00:03:00.000Z', v: 2 },
    ];
    const { timestamps, at } = alignSeries(points, 60);
    expect(timestamps.map((t) => at(t)?.v ?? null)).toEqual([1, null, null, 2]);
  });

  it('spreads the steps over the whole window around a lone point', () => {
    const at0 = Date.parse('2026-01-01T00:10:00.000Z') / 1000;
    const { timestamps } = alignSeries([{ time: '2026-01-01T00:10:00.000Z' }], 60, {
      fromS: at0 - 300,
      toS: at0 + 150,
    });
    expect(timestamps.map((t) => (t - at0) / 60)).toEqual([-4, -3, -2, -1, 0, 1, 2]);
  });
});

describe('formats', () => {
  it('reads latencies and sizes the way people write them', () => {
    expect(formatLatency(0)).toBe('–');
    expect(formatLatency(850)).toBe('850 µs');
    expect(formatLatency(1250)).toBe('1.25 ms');
    expect(formatLatency(50_000)).toBe('50.0 ms');
    expect(formatBytes(5500)).toBe('5.37 KiB');
    expect(formatBytes(200)).toBe('200 B');
  });
});
