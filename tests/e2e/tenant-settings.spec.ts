import { describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { GraphQLSession } from '../kit/graphql-client';

const stack = inject('stack');

describe('tenant settings and retention', () => {
  it('lets an owner set retention within the plan, refuses more, and audits the change', async () => {
    const t = await createTenantWithAgent('settings');
    const owner = new GraphQLSession(stack.apiUrl);
    await owner.login(t.email, t.password);
    const read = await owner.request<{ tenantSettings: Record<string, unknown> }>(
      '{ tenantSettings { slug plan retentionDays maxRetentionDays } }',
    );
    expect(read.data?.tenantSettings).toEqual({ slug: t.slug, plan: 'free', retentionDays: 7, maxRetentionDays: 7 });
    const tooLong = await owner.request('mutation { updateTenantSettings(input: { retentionDays: 30 }) { slug } }');
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'retentionDays' });
    expect(tooLong.errors?.[0]?.message).toContain('free plan keeps telemetry at most 7 days');
    const zero = await owner.request('mutation { updateTenantSettings(input: { retentionDays: 0 }) { slug } }');
    expect(zero.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const set = await owner.request<{ updateTenantSettings: { retentionDays: number; name: string } }>(
      'mutation { updateTenantSettings(input: { retentionDays: 3, name: "Renamed" }) { retentionDays name } }',
    );
    expect(set.data?.updateTenantSettings).toEqual({ retentionDays: 3, name: 'Renamed' });
    const log = await owner.request<{ auditLog: { edges: { node: { before: string; after: string } }[] } }>(
      '{ auditLog(filter: { action: "tenant.update" }) { edges { node { before after } } } }',
    );
    expect(JSON.parse(log.data?.auditLog.edges[0]?.node.after ?? '{}')).toMatchObject({ retentionDays: 3 });
    expect(JSON.parse(log.data?.auditLog.edges[0]?.node.before ?? '{}')).toMatchObject({ retentionDays: 7 });
  });
});
