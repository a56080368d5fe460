import { subject } from '@casl/ability';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAbility, decidingRule, type StoredPolicy } from './ability.js';
import { PolicyConditionError, parseConditions } from './policy-conditions.js';

function policy(overrides: Partial<StoredPolicy>): StoredPolicy {
  return {
    id: overrides.name ?? 'p',
    name: 'p',
    effect: 'allow',
    binding: 'members',
    actions: ['read'],
    resources: ['Request'],
    roles: [],
    teamIds: [],
    conditions: [],
    fields: [],
    enabled: true,
    ...overrides,
  };
}

const paymentsOnly = policy({
  name: 'payments only',
  effect: 'deny',
  actions: ['read', 'create', 'update', 'delete'],
  resources: ['Request'],
  teamIds: ['team-payments'],
  conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
});

describe('buildAbility', () => {
  it('gives built-in roles their actions and names the role that decided', () => {
    const viewer = buildAbility({ role: 'viewer', teamIds: [] }, []);
    expect(viewer.can('read', 'Request')).toBe(true);
    expect(viewer.can('update', 'Agent')).toBe(false);
    expect(decidingRule(viewer, 'update', 'Agent')).toBeNull();
    expect(decidingRule(viewer, 'read', 'Agent')).toMatchObject({ source: 'role', name: 'viewer' });
    const admin = buildAbility({ role: 'admin', teamIds: [] }, []);
    expect(admin.can('create', 'ApiKey')).toBe(true);
    expect(admin.can('update', 'SsoConnection')).toBe(false);
    expect(admin.can('read', 'SsoConnection')).toBe(true);
    expect(buildAbility({ role: 'owner', teamIds: [] }, []).can('update', 'SsoConnection')).toBe(true);
  });

  it('restricts a team member to one namespace and says which policy decided', () => {
    const ability = buildAbility({ role: 'viewer', teamIds: ['team-payments'] }, [paymentsOnly]);
    const payments = subject('Request', { namespace: 'payments' });
    const orders = subject('Request', { namespace: 'orders' });
    expect(ability.can('read', payments)).toBe(true);
    expect(ability.can('read', orders)).toBe(false);
    expect(decidingRule(ability, 'read', orders)).toMatchObject({ source: 'policy', name: 'payments only' });
    expect(decidingRule(ability, 'read', payments)).toMatchObject({ source: 'role', name: 'viewer' });
    // Outside the team the policy does not apply.
    expect(buildAbility({ role: 'viewer', teamIds: [] }, [paymentsOnly]).can('read', orders)).toBe(true);
  });

  it('never applies tenant policies to owners, but an API key policy binds even an owner key', () => {
    const denyAll = policy({ name: 'deny all', effect: 'deny', resources: ['Request'] });
    expect(buildAbility({ role: 'owner', teamIds: [] }, [denyAll]).can('read', 'Request')).toBe(true);
    const key = buildAbility({ role: 'owner', teamIds: [], apiKeyPolicyId: denyAll.id }, [denyAll]);
    expect(key.can('read', 'Request')).toBe(false);
    expect(decidingRule(key, 'read', 'Request')).toMatchObject({ source: 'apiKeyPolicy', name: 'deny all' });
  });

  it('lets a deny win over an allow regardless of order, and allows can extend a role', () => {
    const allowStaging = policy({
      name: 'editors of staging agents',
      actions: ['update'],
      resources: ['Agent'],
      roles: ['viewer'],
      conditions: [{ attribute: 'agentGroup', operator: 'in', values: ['staging'] }],
    });
    const denyPci = policy({
      name: 'no pci agents',
      effect: 'deny',
      actions: ['update'],
      resources: ['Agent'],
      conditions: [{ attribute: 'label', key: 'pci', operator: 'in', values: ['true'] }],
    });
    const ability = buildAbility({ role: 'viewer', teamIds: [] }, [denyPci, allowStaging]);
    expect(ability.can('update', subject('Agent', { group: { name: 'staging' }, labels: [] }))).toBe(true);
    expect(ability.can('update', subject('Agent', { group: { name: 'prod' }, labels: [] }))).toBe(false);
    expect(ability.can('update', subject('Agent', { group: { name: 'staging' }, labels: ['pci=true'] }))).toBe(false);
    expect(ability.can('update', subject('Agent', { group: null, labels: [] }))).toBe(false);
  });

  it('hides single fields with field-level policies', () => {
    const hidePaths = policy({ name: 'hide paths', effect: 'deny', fields: ['path', 'host'] });
    const ability = buildAbility({ role: 'viewer', teamIds: [] }, [hidePaths]);
    const row = subject('Request', { namespace: 'x' });
    expect(ability.can('read', row)).toBe(true);
    expect(ability.can('read', row, 'path')).toBe(false);
    expect(ability.can('read', row, 'serverIp')).toBe(true);
  });

  it('applies attached policies only through the API key that carries them', () => {
    const attached = policy({ name: 'key only', effect: 'deny', binding: 'attached' });
    expect(buildAbility({ role: 'viewer', teamIds: [] }, [attached]).can('read', 'Request')).toBe(true);
    expect(
      buildAbility({ role: 'viewer', teamIds: [], apiKeyPolicyId: attached.id }, [attached]).can('read', 'Request'),
    ).toBe(false);
  });

  it('ignores disabled policies', () => {
    const denyAll = policy({ name: 'deny', effect: 'deny', enabled: false });
    expect(buildAbility({ role: 'viewer', teamIds: [] }, [denyAll]).can('read', 'Request')).toBe(true);
  });
});

describe('parseConditions', () => {
  it('rejects attributes a resource type does not have, bad operators and bad values', () => {
    const bad: [unknown, string][] = [
      [[{ attribute: 'namespace', operator: 'in', values: ['a'] }], 'Agent'],
      [[{ attribute: 'bogus', operator: 'in', values: ['a'] }], 'Request'],
      [[{ attribute: 'namespace', operator: 'like', values: ['a'] }], 'Request'],
      [[{ attribute: 'namespace', operator: 'in', values: [] }], 'Request'],
      [[{ attribute: 'namespace', operator: 'in', values: ['a\u0000'] }], 'Request'],
      [[{ attribute: 'label', operator: 'in', values: ['a'] }], 'Agent'],
      [[{ attribute: 'namespace', key: 'k', operator: 'in', values: ['a'] }], 'Request'],
      [{}, 'Request'],
    ];
    for (const [raw, resource] of bad) {
      expect(() => parseConditions(raw, [resource as 'Request'])).toThrow(PolicyConditionError);
    }
  });

  it('never throws anything but PolicyConditionError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        try {
          parseConditions(raw, ['Request', 'Agent']);
        } catch (err) {
          expect(err).toBeInstanceOf(PolicyConditionError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
