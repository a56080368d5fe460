import { describe, expect, it } from 'vitest';
import { TenantQuery } from '../telemetry/tenant-query.js';
import { applyDashboardFilter, chooseStep } from './dashboard-query.js';
import { DashboardProtocol, DashboardSide } from './dto/dashboards.types.js';
import { splitEndpoint } from './protocol-tables.js';

const range = (seconds: number) => ({ from: new Date(0), to: new Date(seconds * 1000) });

describe('chooseStep', () => {
  it('picks the smallest nice step under 240 points and the coarsest rollup dividing it', () => {
    expect(chooseStep(range(60))).toEqual({ stepSeconds: 1, level: '1s' });
    expect(chooseStep(range(3600))).toEqual({ stepSeconds: 15, level: '1s' });
    expect(chooseStep(range(6 * 3600))).toEqual({ stepSeconds: 300, level: '1m' });
    expect(chooseStep(range(7 * 86400))).toEqual({ stepSeconds: 3600, level: '1h' });
  });

  it('accepts a caller step and refuses ones that are not whole, out of bounds or give too many points', () => {
    expect(chooseStep(range(3600), 120)).toEqual({ stepSeconds: 120, level: '1m' });
    for (const bad of [0, -5, 1.5, 86401]) expect(() => chooseStep(range(3600), bad)).toThrow(/stepSeconds/);
    expect(() => chooseStep(range(86400), 1)).toThrow(/more than 1500 points/);
  });
});

describe('applyDashboardFilter', () => {
  it('binds every name (an injection string stays a value) and matches either party or the joined party', () => {
    const either = new TenantQuery(7);
    applyDashboardFilter(either, 'bathyscope', { namespace: "x' OR 1=1 --", side: DashboardSide.CLIENT }, false);
    expect(either.whereSql()).not.toContain('OR 1=1');
    expect(either.whereSql()).toContain("(tenant_id, 'namespace', client_namespace_id)");
    expect(either.whereSql()).toContain("(tenant_id, 'namespace', server_namespace_id)");
    expect(Object.values(either.queryParams())).toEqual([7, "x' OR 1=1 --", 'client']);

    const party = new TenantQuery(7);
    applyDashboardFilter(party, 'bathyscope', { pod: 'api-1' }, true);
    expect(party.whereSql()).toContain('if(party = 1, server_pod_id, client_pod_id)');
  });
});

describe('splitEndpoint', () => {
  it('keeps a DNS name whole and splits verb and resource elsewhere', () => {
    expect(splitEndpoint(DashboardProtocol.DNS, 'a b.example')).toEqual({ requestType: '', resource: 'a b.example' });
    expect(splitEndpoint(DashboardProtocol.SQL, 'SELECT users')).toEqual({ requestType: 'SELECT', resource: 'users' });
    expect(splitEndpoint(DashboardProtocol.REDIS, 'PING')).toEqual({ requestType: 'PING', resource: '' });
  });
});
