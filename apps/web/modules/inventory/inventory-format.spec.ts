import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeEntries,
  ipSummary,
  labelEntries,
  requestLogHref,
  resourceKindLabel,
  sourceLabel,
} from './inventory-format';

describe('labels and attributes', () => {
  it('lists labels sorted by key, strings only', () => {
    expect(labelEntries({ team: 'payments', app: 'web', n: 3 })).toEqual([
      ['app', 'web'],
      ['team', 'payments'],
    ]);
    expect(labelEntries(null)).toEqual([]);
    expect(labelEntries(['a'])).toEqual([]);
  });

  it('shows attributes as text, JSON for the rest', () => {
    expect(attributeEntries({ ports: [80, 443], type: 'm5.large', up: true })).toEqual([
      ['ports', '[80,443]'],
      ['type', 'm5.large'],
      ['up', 'true'],
    ]);
  });

  it('reads any JSON without throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const [key, text] of [...labelEntries(value), ...attributeEntries(value)]) {
          expect(typeof key).toBe('string');
          expect(typeof text).toBe('string');
        }
      }),
    );
  });
});

describe('ipSummary', () => {
  const at = (ip: string, validTo: string | null = null) => ({ ip, validFrom: '2026-01-01T00:00:00Z', validTo });

  it('shows a current address first, and how many more', () => {
    expect(ipSummary([])).toBe('—');
    expect(ipSummary([at('10.0.0.5')])).toBe('10.0.0.5');
    expect(ipSummary([at('10.0.0.4', '2026-01-02T00:00:00Z'), at('10.0.0.5')])).toBe('10.0.0.5 +1');
    expect(ipSummary([at('10.0.0.4', '2026-01-02T00:00:00Z')])).toBe('10.0.0.4');
  });
});

describe('names', () => {
  it('names sources and kinds', () => {
    const names = new Map([['c1', 'prod cluster']]);
    expect(sourceLabel('agent', names)).toBe('Agent');
    expect(sourceLabel('connector:c1', names)).toBe('prod cluster');
    expect(sourceLabel('connector:0123456789abcdef', names)).toBe('Connector 01234567…');
    expect(resourceKindLabel('load_balancer')).toBe('Load balancer');
    expect(resourceKindLabel('gizmo')).toBe('gizmo');
  });
});

describe('requestLogHref', () => {
  const ns = { kind: 'namespace', name: 'shop' };
  const wl = { kind: 'workload', name: 'checkout' };

  it('filters the request log on the namespace and service that apply', () => {
    expect(requestLogHref('acme', ns, [])).toBe('/t/acme/requests?namespace=shop');
    expect(requestLogHref('acme', { kind: 'service', name: 'cart' }, [ns])).toBe(
      '/t/acme/requests?namespace=shop&service=cart',
    );
    expect(requestLogHref('acme', { kind: 'pod', name: 'checkout-1' }, [wl, ns])).toBe(
      '/t/acme/requests?namespace=shop&service=checkout',
    );
    expect(requestLogHref('a b', { kind: 'workload', name: 'x&y' }, [])).toBe('/t/a%20b/requests?service=x%26y');
  });

  it('has none for kinds the request log cannot filter on', () => {
    expect(requestLogHref('acme', { kind: 'host', name: 'web-1' }, [])).toBeNull();
    expect(requestLogHref('acme', { kind: 'pod', name: 'lonely' }, [ns])).toBeNull();
  });
});
