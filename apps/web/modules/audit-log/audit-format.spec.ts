import { describe, expect, it } from 'vitest';
import {
  actionDescription,
  actionOptions,
  auditFiltersFromSearchParams,
  auditFiltersToSearchParams,
  DEFAULT_AUDIT_FILTERS,
  formatTarget,
  outcomeLabel,
  outcomeTone,
  prettyJson,
  toAuditLogFilter,
} from './audit-format';

describe('audit filters', () => {
  it('round-trips through the URL', () => {
    const filters = { action: 'apiKey.create', outcome: 'denied' };
    const params = auditFiltersToSearchParams(filters);
    expect(params.toString()).toBe('action=apiKey.create&outcome=denied');
    expect(auditFiltersFromSearchParams(Object.fromEntries(params))).toEqual(filters);
    expect(auditFiltersToSearchParams(DEFAULT_AUDIT_FILTERS).toString()).toBe('');
  });

  it('drops what the API would refuse', () => {
    expect(auditFiltersFromSearchParams({ action: 'drop table', outcome: 'maybe' })).toEqual(DEFAULT_AUDIT_FILTERS);
    expect(auditFiltersFromSearchParams({ action: ['session.login', 'x'] })).toEqual({
      action: 'session.login',
      outcome: '',
    });
  });

  it('sends a filter only when something is chosen', () => {
    expect(toAuditLogFilter(DEFAULT_AUDIT_FILTERS)).toBeUndefined();
    expect(toAuditLogFilter({ action: '', outcome: 'failure' })).toEqual({ outcome: 'failure' });
    expect(toAuditLogFilter({ action: 'apiKey.use', outcome: 'denied' })).toEqual({
      action: 'apiKey.use',
      outcome: 'denied',
    });
  });

  it('offers the known actions, and one a link chose', () => {
    expect(actionOptions('')).toEqual([
      'tenant.signUp',
      'session.login',
      'session.logout',
      'apiKey.create',
      'apiKey.revoke',
      'apiKey.use',
    ]);
    expect(actionOptions('apiKey.use')).toHaveLength(6);
    expect(actionOptions('member.invite').at(-1)).toBe('member.invite');
    expect(actionDescription('apiKey.revoke')).toBe('API key revoked');
    expect(actionDescription('member.invite')).toBeUndefined();
  });
});

describe('display', () => {
  it('colours outcomes', () => {
    expect(outcomeTone('success')).toBe('ok');
    expect(outcomeTone('denied')).toBe('warning');
    expect(outcomeTone('failure')).toBe('danger');
    expect(outcomeTone('other')).toBe('inactive');
    expect(outcomeLabel('denied')).toBe('Denied');
    expect(outcomeLabel('')).toBe('unknown');
  });

  it('names the target, if any', () => {
    expect(formatTarget('ApiKey', 'ck123')).toBe('ApiKey ck123');
    expect(formatTarget('', '')).toBeNull();
    expect(formatTarget('Tenant', '')).toBe('Tenant');
  });

  it('pretty-prints JSON and keeps anything else', () => {
    expect(prettyJson('{"name":"ci","role":"viewer"}')).toBe('{\n  "name": "ci",\n  "role": "viewer"\n}');
    expect(prettyJson('{"revokedAt":null}')).toBe('{\n  "revokedAt": null\n}');
    expect(prettyJson('not json')).toBe('not json');
    expect(prettyJson(null)).toBeNull();
    expect(prettyJson('  ')).toBeNull();
  });
});
