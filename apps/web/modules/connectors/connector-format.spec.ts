import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectorHealth, connectorTarget, formatInterval, formatSyncCounts, syncCounts } from './connector-format';

describe('connectorHealth', () => {
  it('is never synced, healthy or failing from the last success and failure', () => {
    const at = (s: string | null, e: string | null, healthy: boolean) =>
      connectorHealth({ lastSuccessAt: s, lastErrorAt: e, healthy });
    expect(at(null, null, false)).toBe('never');
    expect(at('2026-01-01T00:00:00Z', null, true)).toBe('healthy');
    expect(at(null, '2026-01-01T00:00:00Z', false)).toBe('failing');
    expect(at('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', false)).toBe('failing');
    // An old failure before the last success is history.
    expect(at('2026-01-01T00:02:00Z', '2026-01-01T00:01:00Z', true)).toBe('healthy');
  });
});

describe('formatting', () => {
  it('says intervals in the largest whole unit', () => {
    expect(formatInterval(300)).toBe('5 min');
    expect(formatInterval(7200)).toBe('2 h');
    expect(formatInterval(45)).toBe('45 s');
    expect(formatInterval(90)).toBe('90 s');
    expect(formatInterval(0)).toBe('—');
  });

  it('lists the last sync’s counts, and a dash before any', () => {
    expect(formatSyncCounts({ seen: 3, created: 3, updated: 0, deleted: 0, ipsOpened: 2 })).toBe(
      '3 seen · 3 created · 0 updated · 0 deleted',
    );
    expect(formatSyncCounts({ seen: 1200 })).toBe('1,200 seen · 0 created · 0 updated · 0 deleted');
    expect(formatSyncCounts(null)).toBe('—');
    expect(formatSyncCounts({})).toBe('—');
    expect(formatSyncCounts('3')).toBe('—');
  });

  it('reads any JSON as counts without throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const counts = syncCounts(value);
        if (counts !== null) for (const n of Object.values(counts)) expect(Number.isFinite(n)).toBe(true);
        expect(typeof formatSyncCounts(value)).toBe('string');
      }),
    );
  });

  it('says where a connector reads from, never a secret', () => {
    expect(connectorTarget({ kind: 'k8s', config: { server: 'https://k:6443' } })).toBe('https://k:6443');
    expect(
      connectorTarget({ kind: 'aws', config: { regions: ['eu-west-1', 'us-east-1'], endpoint: 'http://l' } }),
    ).toBe('eu-west-1, us-east-1 via http://l');
    expect(connectorTarget({ kind: 'netbox', config: { url: 'https://nb' } })).toBe('https://nb');
    expect(connectorTarget({ kind: 'file', config: { format: 'csv', content: 'kind\n' } })).toBe('CSV, 5 bytes');
    expect(connectorTarget({ kind: 'other', config: {} })).toBe('—');
  });
});
