import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OtelSpanRow } from '../otlp/span-rows';
import type { PrometheusSeriesRow } from '../prom/series';
import { hostOf, seriesIdentity, spanIdentity } from './signal-tagging';

const series = (labels: Record<string, string>) =>
  ({ tenant_id: 1, series_id: '1', metric: 'up', labels, last_seen: 1_700_000_000 }) as unknown as PrometheusSeriesRow;

describe('signal tagging identities', () => {
  it('reads the address out of a scrape target', () => {
    expect(hostOf('10.0.0.7:9100')).toBe('10.0.0.7');
    expect(hostOf('[fd00::1]:9100')).toBe('fd00::1');
    expect(hostOf('fd00::1')).toBe('fd00::1');
    expect(hostOf('node-exporter:9100')).toBe('node-exporter');
    expect(seriesIdentity(series({ instance: 'node-exporter:9100' })).ip).toBeUndefined();
    expect(seriesIdentity(series({ instance: '10.1.2.3:80', namespace: 'shop', service: 'cart' }))).toEqual({
      atMs: 1_700_000_000_000,
      ip: '10.1.2.3',
      podUid: undefined,
      namespace: 'shop',
      service: 'cart',
    });
  });

  it('never hands anything but an IP address to the IP map, whatever the labels say', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (instance, podIp) => {
        const ip = seriesIdentity(series({ instance, pod_ip: podIp })).ip;
        expect(ip === undefined || isIP(ip) !== 0).toBe(true);
      }),
    );
  });

  it('reads a span resource by the semantic conventions, its start as the time', () => {
    const row = {
      time: '2026-11-21 10:00:00.123456789',
      service_name: 'checkout',
      resource_attributes: { 'k8s.pod.ip': '10.0.0.9', 'k8s.pod.uid': 'u-1', 'service.namespace': 'shop' },
    } as unknown as OtelSpanRow;
    expect(spanIdentity(row)).toEqual({
      atMs: Date.parse('2026-11-21T10:00:00.123Z'),
      ip: '10.0.0.9',
      podUid: 'u-1',
      namespace: 'shop',
      service: 'checkout',
    });
  });
});
