import { describe, expect, it } from 'vitest';
import type { AuthzCatalog, Policy } from './policies.queries';
import {
  appliesToSummary,
  checkPolicyDraft,
  commonAttributes,
  commonFields,
  conditionSummary,
  conditionsSummary,
  decidedByLabel,
  draftFromPolicy,
  EMPTY_SIMULATION,
  emptyPolicyDraft,
  joinWords,
  labelsError,
  newCondition,
  type PolicyDraft,
  policyFailure,
  policyNameError,
  ruleSummary,
  splitValues,
  subjectValue,
  toPolicyInput,
  toSimulateInput,
} from './policy-format';

const CATALOG: AuthzCatalog = {
  actions: ['read', 'create', 'update', 'delete'],
  roles: ['viewer', 'editor', 'admin', 'owner'],
  resources: [
    {
      name: 'Request',
      attributes: ['namespace', 'service', 'environment', 'agentGroup'],
      fields: ['path', 'host', 'clientIp', 'serverIp', 'processName'],
    },
    { name: 'Agent', attributes: ['agentGroup', 'label'], fields: [] },
    { name: 'AgentGroup', attributes: ['agentGroup'], fields: [] },
    { name: 'Team', attributes: [], fields: [] },
  ],
};

const POLICY: Policy = {
  id: 'p1',
  name: 'payments only',
  description: 'Payments on-call sees payments',
  effect: 'DENY',
  actions: ['read'],
  resources: ['Request'],
  roles: [],
  teams: [{ id: 't1', name: 'Payments' }],
  conditions: [{ attribute: 'namespace', key: null, operator: 'notIn', values: ['payments'] }],
  fields: [],
  enabled: true,
  createdAt: '2025-06-10T12:00:00.000Z',
  updatedAt: '2025-06-10T12:00:00.000Z',
};

describe('policies in words', () => {
  it('joins words the way a sentence does', () => {
    expect(joinWords([])).toBe('');
    expect(joinWords(['read'])).toBe('read');
    expect(joinWords(['read', 'update'])).toBe('read and update');
    expect(joinWords(['a', 'b', 'c'], 'or')).toBe('a, b or c');
  });

  it('summarises conditions', () => {
    expect(conditionSummary(POLICY.conditions[0] as Policy['conditions'][number])).toBe('namespace not in payments');
    expect(conditionSummary({ attribute: 'agentGroup', key: null, operator: 'in', values: ['eu', 'us'] })).toBe(
      'agent group in eu, us',
    );
    expect(conditionSummary({ attribute: 'label', key: 'team', operator: 'in', values: ['red'] })).toBe(
      'label team in red',
    );
    expect(
      conditionsSummary([
        { attribute: 'namespace', key: null, operator: 'in', values: ['payments'] },
        { attribute: 'environment', key: null, operator: 'notIn', values: ['prod'] },
      ]),
    ).toBe('namespace in payments and environment not in prod');
    expect(conditionsSummary([])).toBe('None');
  });

  it('says whom a policy applies to', () => {
    expect(appliesToSummary({ roles: [], teams: [] })).toBe('Everyone');
    expect(appliesToSummary({ roles: ['viewer', 'editor'], teams: [] })).toBe('Viewers and editors');
    expect(appliesToSummary({ roles: [], teams: [{ id: 't1', name: 'Payments' }] })).toBe('Members of team Payments');
    expect(
      appliesToSummary({
        roles: ['editor'],
        teams: [
          { id: 't1', name: 'A' },
          { id: 't2', name: 'B' },
        ],
      }),
    ).toBe('Editors in teams A or B');
  });

  it('says what a policy covers', () => {
    expect(ruleSummary(POLICY)).toBe('read on Request');
    expect(ruleSummary({ actions: ['read', 'update'], resources: ['Agent', 'AgentGroup'], fields: [] })).toBe(
      'read and update on Agent and AgentGroup',
    );
    expect(ruleSummary({ actions: ['read'], resources: ['Request'], fields: ['path', 'host'] })).toBe(
      'read on Request (fields path, host)',
    );
  });
});

describe('the catalog', () => {
  it('offers the attributes every chosen resource type has', () => {
    expect(commonAttributes(CATALOG, ['Request'])).toEqual(['namespace', 'service', 'environment', 'agentGroup']);
    expect(commonAttributes(CATALOG, ['Request', 'Agent'])).toEqual(['agentGroup']);
    expect(commonAttributes(CATALOG, ['Request', 'Team'])).toEqual([]);
    expect(commonAttributes(CATALOG, [])).toEqual([]);
    expect(commonAttributes(null, ['Request'])).toEqual([]);
    expect(commonAttributes(CATALOG, ['Unknown'])).toEqual([]);
  });

  it('offers the fields every chosen resource type lists', () => {
    expect(commonFields(CATALOG, ['Request'])).toEqual(['path', 'host', 'clientIp', 'serverIp', 'processName']);
    expect(commonFields(CATALOG, ['Request', 'Agent'])).toEqual([]);
  });
});

describe('the editor draft', () => {
  const draft = (patch: Partial<PolicyDraft>): PolicyDraft => ({ ...emptyPolicyDraft(), ...patch });

  it('round-trips a policy into PolicyInput', () => {
    expect(toPolicyInput(draftFromPolicy(POLICY), CATALOG)).toEqual({
      name: 'payments only',
      description: 'Payments on-call sees payments',
      effect: 'DENY',
      actions: ['read'],
      resources: ['Request'],
      roles: [],
      teamIds: ['t1'],
      conditions: [{ attribute: 'namespace', operator: 'notIn', values: ['payments'] }],
      fields: [],
      enabled: true,
    });
  });

  it('splits comma-separated values, trimmed and once each', () => {
    expect(splitValues(' payments, orders ,, payments ')).toEqual(['payments', 'orders']);
    expect(splitValues('  ')).toEqual([]);
  });

  it('sends a label key only with label conditions, and only the fields on screen', () => {
    const input = toPolicyInput(
      draft({
        name: ' red agents ',
        resources: ['Agent'],
        conditions: [
          { id: 1, attribute: 'label', key: ' team ', operator: 'in', values: 'red' },
          { id: 2, attribute: 'agentGroup', key: 'ignored', operator: 'notIn', values: 'eu, us' },
        ],
        fields: ['path'],
      }),
      CATALOG,
    );
    expect(input.name).toBe('red agents');
    expect(input.conditions).toEqual([
      { attribute: 'label', key: 'team', operator: 'in', values: ['red'] },
      { attribute: 'agentGroup', operator: 'notIn', values: ['eu', 'us'] },
    ]);
    expect(input.fields).toEqual([]);
  });

  it('adds conditions with fresh ids on the first attribute available', () => {
    const first = newCondition([], ['namespace', 'service']);
    expect(first).toEqual({ id: 1, attribute: 'namespace', key: '', operator: 'in', values: '' });
    expect(newCondition([first, { ...first, id: 4 }], []).id).toBe(5);
  });

  it('checks what the API would refuse', () => {
    expect(checkPolicyDraft(draftFromPolicy(POLICY), CATALOG)).toEqual({});
    expect(checkPolicyDraft(draft({ actions: [] }), CATALOG)).toEqual({
      name: 'Give the policy a name, e.g. payments only.',
      actions: 'Choose one action or more.',
      resources: 'Choose one resource type or more.',
    });
    const errors = checkPolicyDraft(
      draft({
        name: 'mixed',
        resources: ['Request', 'Agent'],
        conditions: [
          { id: 1, attribute: 'namespace', key: '', operator: 'in', values: 'payments' },
          { id: 2, attribute: 'agentGroup', key: '', operator: 'in', values: ' , ' },
        ],
      }),
      CATALOG,
    );
    expect(errors.conditions).toEqual({
      0: { attribute: 'Not every chosen resource type has this attribute.' },
      1: { values: 'Enter one value or more, separated by commas.' },
    });
    const label = checkPolicyDraft(
      draft({
        name: 'label',
        resources: ['Agent'],
        conditions: [{ id: 1, attribute: 'label', key: '', operator: 'in', values: 'red' }],
      }),
      CATALOG,
    );
    expect(label.conditions?.[0]?.key).toMatch(/label key/);
  });

  it('checks names as the API does', () => {
    expect(policyNameError('payments only')).toBeNull();
    expect(policyNameError('team:payments v2')).toBeNull();
    expect(policyNameError('a/b')).toMatch(/letters, digits/);
    expect(policyNameError('p'.repeat(101))).toBe('Use at most 100 characters.');
  });
});

describe('policyFailure', () => {
  it('puts a refused condition under its input', () => {
    expect(
      policyFailure({
        code: 'BAD_USER_INPUT',
        message: 'Agent has no attribute "namespace" (it has: agentGroup, label)',
        field: 'conditions[1].attribute',
      }),
    ).toEqual({ conditions: { 1: { attribute: 'Agent has no attribute "namespace" (it has: agentGroup, label).' } } });
    expect(
      policyFailure({ code: 'BAD_USER_INPUT', message: 'conditions.0.values must contain at least 1 elements' }),
    ).toEqual({ conditions: { 0: { values: 'Conditions.0.values must contain at least 1 elements.' } } });
  });

  it('puts a taken name, fields and teams under theirs', () => {
    expect(policyFailure({ code: 'CONFLICT', message: 'a policy named "x" exists' })).toEqual({
      name: 'A policy named "x" exists.',
    });
    expect(policyFailure({ code: 'BAD_USER_INPUT', message: 'Agent has no field "path"', field: 'fields' })).toEqual({
      fields: 'Agent has no field "path".',
    });
    expect(policyFailure({ code: 'BAD_USER_INPUT', message: 'unknown team', field: 'teamIds' })).toEqual({
      teams: 'Unknown team.',
    });
  });

  it('keeps anything else for the form', () => {
    expect(
      policyFailure({ code: 'FORBIDDEN', message: 'you cannot grant delete on AuditLog: you may not do it yourself' }),
    ).toEqual({ form: 'You cannot grant delete on AuditLog: you may not do it yourself.' });
  });
});

describe('the simulator', () => {
  it('sends the subject, and only the attributes the resource type has', () => {
    expect(
      toSimulateInput(
        {
          ...EMPTY_SIMULATION,
          subject: subjectValue('user', 'u1'),
          namespace: ' orders ',
          labels: 'team=red',
          field: 'path',
        },
        CATALOG,
      ),
    ).toEqual({
      userId: 'u1',
      action: 'read',
      resource: 'Request',
      attributes: { namespace: 'orders' },
      field: 'path',
    });
    expect(
      toSimulateInput(
        {
          ...EMPTY_SIMULATION,
          subject: subjectValue('key', 'k1'),
          resource: 'Agent',
          namespace: 'orders',
          agentGroup: 'eu',
          labels: 'team=red, tier=1',
          field: 'path',
        },
        CATALOG,
      ),
    ).toEqual({
      apiKeyId: 'k1',
      action: 'read',
      resource: 'Agent',
      attributes: { agentGroup: 'eu', labels: ['team=red', 'tier=1'] },
    });
  });

  it('simulates yourself without a subject and leaves out empty attributes', () => {
    expect(toSimulateInput({ ...EMPTY_SIMULATION, action: 'delete', resource: 'Team' }, CATALOG)).toEqual({
      action: 'delete',
      resource: 'Team',
    });
  });

  it('checks labels', () => {
    expect(labelsError('team=red, tier=')).toBeNull();
    expect(labelsError('team')).toMatch(/key=value/);
  });

  it('names the deciding rule', () => {
    expect(decidedByLabel({ decidedBy: null })).toBe('Nothing allows it (denied by default)');
    expect(decidedByLabel({ decidedBy: { source: 'role', name: 'viewer', effect: 'allow', policyId: null } })).toBe(
      'Built-in viewer role',
    );
    expect(
      decidedByLabel({ decidedBy: { source: 'policy', name: 'payments only', effect: 'deny', policyId: 'p1' } }),
    ).toBe('Policy "payments only" (deny)');
    expect(decidedByLabel({ decidedBy: { source: 'apiKeyPolicy', name: 'ci', effect: 'deny', policyId: 'p2' } })).toBe(
      'API key policy "ci" (deny)',
    );
  });
});
