import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { alertmanagerPayload, ZERO_TIME } from './alertmanager-payload.js';
import { retryDelay } from './delivery-dispatcher.js';
import { retryAfterMs } from './http-post.js';
import { generateWebhookSecret, isWebhookSecret, signedHeaders } from './signing.js';

describe('Standard Webhooks signing', () => {
  it('signs with every secret, and each verifies on its own (rotation)', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    expect(isWebhookSecret(oldSecret)).toBe(true);
    const body = JSON.stringify({ hello: 'world' });
    const headers = signedHeaders([oldSecret, newSecret], 'msg_1', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual({ hello: 'world' });
    expect(new Webhook(newSecret).verify(body, headers)).toEqual({ hello: 'world' });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(newSecret).verify(`${body} `, headers)).toThrow();
  });
});

describe('Alertmanager webhook v4 payload', () => {
  const alert = (status: 'firing' | 'resolved', service: string) => ({
    status,
    labels: { alertname: 'HighErrors', service, severity: 'page' },
    annotations: { summary: `errors on ${service}`, runbook: 'r' },
    startsAt: '2026-11-21T10:00:00.000Z',
    endsAt: status === 'firing' ? ZERO_TIME : '2026-11-21T10:05:00.000Z',
    generatorURL: 'http://console/t/x/alerts',
    fingerprint: '0123456789abcdef',
  });

  it('has every field Alertmanager sends, common labels and annotations, and group status', () => {
    const p = alertmanagerPayload({
      groupKey: 'g',
      receiver: 'ops',
      groupLabels: { alertname: 'HighErrors' },
      externalURL: 'http://console',
      alerts: [alert('firing', 'a'), alert('resolved', 'b')],
    });
    expect(Object.keys(p).sort()).toEqual(
      [
        'alerts',
        'commonAnnotations',
        'commonLabels',
        'externalURL',
        'groupKey',
        'groupLabels',
        'receiver',
        'status',
        'truncatedAlerts',
        'version',
      ].sort(),
    );
    expect(p.version).toBe('4');
    expect(p.status).toBe('firing');
    expect(p.commonLabels).toEqual({ alertname: 'HighErrors', severity: 'page' });
    expect(p.commonAnnotations).toEqual({ runbook: 'r' });
    expect(Object.keys(p.alerts[0] ?? {}).sort()).toEqual(
      ['annotations', 'endsAt', 'fingerprint', 'generatorURL', 'labels', 'startsAt', 'status'].sort(),
    );
    const resolved = alertmanagerPayload({ ...p, alerts: [alert('resolved', 'b')] });
    expect(resolved.status).toBe('resolved');
  });

  it('truncates past 100 alerts and says how many', () => {
    const p = alertmanagerPayload({
      groupKey: 'g',
      receiver: 'ops',
      groupLabels: {},
      externalURL: '',
      alerts: Array.from({ length: 130 }, (_, i) => alert('firing', String(i))),
    });
    expect(p.alerts).toHaveLength(100);
    expect(p.truncatedAlerts).toBe(30);
  });
});

describe('retry timing', () => {
  const t = { baseMs: 1000, maxMs: 60_000, maxRetryAfterMs: 3_600_000 };
  it('doubles with equal jitter, capped', () => {
    expect(retryDelay(1, null, t, 0)).toBe(500);
    expect(retryDelay(1, null, t, 1)).toBe(1000);
    expect(retryDelay(3, null, t, 1)).toBe(4000);
    expect(retryDelay(30, null, t, 1)).toBe(60_000);
  });
  it('honours Retry-After as a floor, clamped', () => {
    expect(retryDelay(1, 5000, t, 0)).toBe(5000);
    expect(retryDelay(5, 100, t, 1)).toBe(16_000);
    expect(retryDelay(1, 10 * 3_600_000, t, 0)).toBe(3_600_000);
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThan(8000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(undefined)).toBeNull();
  });
});
