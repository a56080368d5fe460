import { describe, expect, it } from 'vitest';
import { ALERT_METRICS, checkMetricLabels, metricQuery } from './metric-catalogue.js';

const evil = "x'); DROP TABLE l7_flow_log; --";

describe('alert metric queries', () => {
  it('binds every user value: filter values, regexes, Prometheus names and labels never reach the SQL text', () => {
    const now = new Date('2026-11-21T10:00:00Z');
    const q = metricQuery(
      'bathyscope',
      7,
      {
        metric: 'server_error_rate',
        filters: [
          { label: 'service', op: '=', value: evil },
          { label: 'endpoint', op: '=~', value: evil },
        ],
        groupBy: ['service', 'endpoint'],
        windowSeconds: 60,
      },
      now,
    );
    expect(q.sql).not.toContain('DROP');
    expect(q.sql).toContain('tenant_id = {tenant_id:UInt32}');
    expect(Object.values(q.params)).toContain(evil);
    expect(q.params.tenant_id).toBe(7);
    // The server side of a request unless the rule picks a side.
    expect(Object.values(q.params)).toContain('server');

    const p = metricQuery(
      'bathyscope',
      7,
      {
        metric: 'prometheus:up',
        filters: [{ label: 'job', op: '!=', value: evil }],
        groupBy: ['instance'],
        windowSeconds: 60,
      },
      now,
    );
    expect(p.sql).not.toContain('DROP');
    expect(p.sql).not.toContain("'up'");
    expect(Object.values(p.params)).toContain('up');
  });

  it('refuses unknown metrics and labels with the field to fix', () => {
    expect(() => checkMetricLabels('nope', [], 'groupBy')).toThrow(/unknown metric/);
    expect(() => checkMetricLabels('request_rate', ['planet'], 'groupBy')).toThrow(/no label planet/);
    expect(() => checkMetricLabels('prometheus:up', ["a'b"], 'groupBy')).toThrow(/Prometheus label/);
    expect(() => checkMetricLabels(`prometheus:${evil}`, [], 'groupBy')).toThrow(/Prometheus metric/);
    for (const m of ALERT_METRICS)
      expect(() => checkMetricLabels(m.name, Object.keys(m.labels('db')), 'x')).not.toThrow();
  });
});
