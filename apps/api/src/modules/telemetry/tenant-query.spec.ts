import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenantQuery } from './tenant-query.js';

describe('TenantQuery', () => {
  it('always starts with the tenant predicate and keeps values out of the SQL text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 32 - 1 }),
        fc.array(fc.string(), { maxLength: 5 }),
        (tenant, values) => {
          const q = new TenantQuery(tenant);
          for (const v of values) q.where('position(request_resource, $) > 0', 'String', v);
          const expected = [
            '(tenant_id = {tenant_id:UInt32})',
            ...values.map((_, i) => `(position(request_resource, {p${i}:String}) > 0)`),
          ].join(' AND ');
          expect(q.whereSql()).toBe(expected);
          expect(q.queryParams().tenant_id).toBe(tenant);
          expect(Object.keys(q.queryParams())).toHaveLength(values.length + 1);
        },
      ),
    );
  });

  it('refuses a missing or invalid tenant', () => {
    expect(() => new TenantQuery(0)).toThrow();
    expect(() => new TenantQuery(Number.NaN)).toThrow();
    expect(() => new TenantQuery(-1)).toThrow();
  });
});

describe('TenantQuery.whereAll', () => {
  it('binds several values in order', () => {
    const q = new TenantQuery(5).whereAll('(a, b) < ($1, $2)', [
      ['Int64', '10'],
      ['UInt64', '20'],
    ]);
    expect(q.whereSql()).toBe('(tenant_id = {tenant_id:UInt32}) AND ((a, b) < ({p0:Int64}, {p1:UInt64}))');
    expect(q.queryParams()).toEqual({ tenant_id: 5, p0: '10', p1: '20' });
  });
});
