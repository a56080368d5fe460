import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { invite, openSettings, signIn, signUpInBrowser, textOf, watchErrors } from '../kit/console';
import '../kit/stack-info';
import { GraphQLSession } from '../kit/graphql-client';
import { linkToken, waitForMail } from '../kit/mailbox';

const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
const pw = () => `pw-${randomBytes(12).toString('hex')}`;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** Runs the simulator for `subject` (an option's label) reading a Request in `namespace`; returns the decision. */
async function simulate(page: Page, subject: string, namespace: string): Promise<Locator> {
  await page.getByLabel('Simulate as', { exact: true }).selectOption({ label: subject });
  await page.getByLabel('Simulated action').selectOption('read');
  await page.getByLabel('Simulated resource type').selectOption('Request');
  await page.getByLabel('Simulated namespace').fill(namespace);
  await page.getByRole('button', { name: 'Simulate', exact: true }).click();
  const decision = page.getByRole('region', { name: 'Access decision' });
  await decision.waitFor({ timeout: 10_000 });
  return decision;
}

describe('teams, ABAC policies and the access simulator in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 960 });

  it('builds a team, denies it requests outside its namespace, simulates, edits and deletes', async () => {
    const slug = unique('pol');
    const owner = { slug, email: `${slug}@example.test`, password: pw() };
    const memberEmail = `oncall-${slug}@example.test`;
    const memberPassword = pw();
    const team = 'Payments on-call';
    const policy = 'payments only';

    // The owner signs up and invites a viewer, who accepts the mailed link (through the API).
    const page = await newPage();
    const errors = watchErrors(page);
    await signUpInBrowser(page, stack.webUrl, owner);
    await openSettings(page, slug, 'Members', 'members');
    await invite(page, memberEmail, 'viewer');
    const token = linkToken(await waitForMail(stack.mailboxDir, memberEmail, 'You are invited'), 'invite');
    const accepted = await new GraphQLSession(stack.apiUrl).request(
      'mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { email } }',
      { i: { token, password: memberPassword } },
    );
    expect(accepted.errors).toBeUndefined();

    // Teams: empty at first; a bad name is flagged before sending.
    await openSettings(page, slug, 'Teams', 'teams');
    const teams = page.getByRole('table', { name: 'Teams' });
    await expect.poll(() => textOf(teams), { timeout: 15_000 }).toContain('No teams yet');
    await page.getByLabel('Team name').fill('ops/sre');
    await page.getByRole('button', { name: 'Create team' }).click();
    await expect.poll(() => page.getByLabel('Team name').getAttribute('aria-invalid')).toBe('true');
    expect(await textOf(page.locator('#team-name-error'))).toContain('letters, digits');

    // Created, then refused a second time under the same name (the API's CONFLICT, under the field).
    await page.getByLabel('Team name').fill(team);
    await page.getByLabel('Team description').fill('Whoever carries the payments pager');
    await page.getByRole('button', { name: 'Create team' }).click();
    const teamRow = teams.getByRole('row').filter({ hasText: team });
    await expect.poll(() => teamRow.count(), { timeout: 10_000 }).toBe(1);
    expect(await textOf(teamRow)).toContain('No members');
    await expect.poll(() => page.getByLabel('Team name').inputValue()).toBe('');
    await page.getByLabel('Team name').fill(team);
    await page.getByRole('button', { name: 'Create team' }).click();
    await expect.poll(() => textOf(page.locator('#team-name-error')), { timeout: 10_000 }).toContain('exists');

    // The invited member joins the team; the owner is offered too, the member no longer.
    const addSelect = page.getByLabel(`Add a member to ${team}`);
    await expect.poll(() => addSelect.locator('option').allTextContents(), { timeout: 10_000 }).toContain(memberEmail);
    await addSelect.selectOption({ label: memberEmail });
    await teamRow.getByRole('button', { name: 'Add', exact: true }).click();
    const teamMembers = page.getByRole('list', { name: `Members of ${team}` });
    await expect.poll(() => textOf(teamMembers), { timeout: 10_000 }).toContain(memberEmail);
    expect(await addSelect.locator('option').allTextContents()).not.toContain(memberEmail);

    // Renamed and described through the same form.
    await teamRow.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: `Edit team ${team}` }).waitFor();
    await page.getByLabel('Team description').fill('Payments on-call engineers');
    await page.getByRole('button', { name: 'Save team' }).click();
    await expect.poll(() => textOf(teamRow), { timeout: 10_000 }).toContain('Payments on-call engineers');
    await page.getByRole('heading', { name: 'Create a team' }).waitFor();

    // A second team, created and deleted with a confirmation.
    await page.getByLabel('Team name').fill('Short-lived');
    await page.getByRole('button', { name: 'Create team' }).click();
    const shortRow = teams.getByRole('row').filter({ hasText: 'Short-lived' });
    await expect.poll(() => shortRow.count(), { timeout: 10_000 }).toBe(1);
    await shortRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await shortRow.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => shortRow.count(), { timeout: 10_000 }).toBe(0);
    await shot(page, 'teams');

    // Policies: none yet. The editor refuses an empty policy before sending it.
    await openSettings(page, slug, 'Policies', 'policies');
    const policies = page.getByRole('table', { name: 'Policies' });
    await expect.poll(() => textOf(policies), { timeout: 15_000 }).toContain('No policies yet');
    await page.getByRole('button', { name: 'New policy' }).click();
    await page.getByRole('heading', { name: 'New policy', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('alert').filter({ hasText: 'Could not create the policy.' }).waitFor();
    expect(await page.getByLabel('Policy name').getAttribute('aria-invalid')).toBe('true');

    // DENY reading requests outside namespace "payments", for the team.
    await page.getByRole('radio', { name: 'Deny' }).check();
    // Typed key by key: fixing one error keeps the focus where the user is.
    await page.getByLabel('Policy name').pressSequentially(policy);
    expect(await page.getByLabel('Policy name').inputValue()).toBe(policy);
    await page.getByLabel('Policy description').fill('The payments team reads payments traffic only');
    expect(
      await page.getByRole('group', { name: 'Actions', exact: true }).getByLabel('Read', { exact: true }).isChecked(),
    ).toBe(true);
    const resources = page.getByRole('group', { name: 'Resource types', exact: true });
    await resources.getByLabel('Request', { exact: true }).check();
    await page.getByRole('group', { name: 'Teams', exact: true }).getByLabel(team).check();
    await page.getByRole('button', { name: 'Add condition' }).click();
    const condition = page.getByRole('group', { name: 'Condition 1', exact: true });
    const attribute = condition.getByLabel('Attribute');
    await expect
      .poll(() => attribute.locator('option').allTextContents())
      .toEqual(['Namespace', 'Service', 'Environment', 'Agent group']);
    // Conditions only use attributes every chosen resource type has.
    await resources.getByLabel('Agent', { exact: true }).check();
    await expect
      .poll(() => attribute.locator('option').allTextContents())
      .toEqual(['Namespace (not available)', 'Agent group']);
    await resources.getByLabel('Agent', { exact: true }).uncheck();
    await attribute.selectOption('namespace');
    await condition.getByLabel('Operator').selectOption('notIn');
    await condition.getByLabel('Values').fill('payments');
    // Field-level rules list the fields the catalog offers for requests.
    expect(await page.getByRole('group', { name: 'Fields', exact: true }).getByRole('checkbox').count()).toBe(5);
    expect(await page.getByLabel('Enabled', { exact: true }).isChecked()).toBe(true);
    await shot(page, 'policy-editor');
    await page.getByRole('button', { name: 'Create policy' }).click();

    const policyRow = policies.getByRole('row').filter({ hasText: policy });
    await expect.poll(() => policyRow.count(), { timeout: 10_000 }).toBe(1);
    const created = await textOf(policyRow);
    for (const words of [
      'Deny',
      `Members of team ${team}`,
      'read on Request',
      'namespace not in payments',
      'Enabled',
    ]) {
      expect(created).toContain(words);
    }
    expect(await policyRow.getAttribute('data-effect')).toBe('deny');
    expect(await page.getByRole('heading', { name: 'New policy', level: 2 }).count()).toBe(0);

    // The simulator: the member may not read requests of namespace "orders" …
    let decision = await simulate(page, memberEmail, 'orders');
    await expect.poll(() => textOf(decision)).toContain('Denied');
    let said = await textOf(decision);
    expect(said).toContain(`Policy "${policy}" (deny)`);
    expect(said).toContain(`Denied by policy "${policy}".`);
    expect(said).toContain(`team ${team}`);
    await shot(page, 'simulate-denied');
    // … but those of "payments", which the viewer role allows.
    decision = await simulate(page, memberEmail, 'payments');
    await expect.poll(() => textOf(decision)).toContain('Allowed');
    said = await textOf(decision);
    expect(said).toContain('Built-in viewer role');
    expect(said).toContain(policy);
    await shot(page, 'simulate-allowed');
    // Owners are never subject to policies.
    decision = await simulate(page, 'Yourself', 'orders');
    await expect.poll(() => textOf(decision)).toContain('Allowed');
    expect(await textOf(decision)).toContain('Built-in owner role');

    // The member's own pages: teams read-only, policies not at all.
    const memberPage = await newPage();
    const memberErrors = watchErrors(memberPage);
    await signIn(memberPage, stack.webUrl, memberEmail, memberPassword);
    await memberPage.waitForURL(new RegExp(`/t/${slug}/requests`), { timeout: 20_000 });
    await memberPage.getByRole('columnheader', { name: 'Workload' }).waitFor();
    await openSettings(memberPage, slug, 'Teams', 'teams');
    await memberPage.getByText('You need the admin role to change teams.').waitFor();
    await expect
      .poll(() => textOf(memberPage.getByRole('table', { name: 'Teams' })), { timeout: 15_000 })
      .toContain(memberEmail);
    expect(await memberPage.getByRole('button', { name: 'Create team' }).count()).toBe(0);
    expect(await memberPage.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    await openSettings(memberPage, slug, 'Policies', 'policies');
    await memberPage.getByText('You need the admin role to manage access policies.').waitFor();
    expect(await memberPage.getByRole('table', { name: 'Policies' }).count()).toBe(0);

    // The team cannot go while the policy names it.
    await openSettings(page, slug, 'Teams', 'teams');
    await expect.poll(() => teamRow.count(), { timeout: 15_000 }).toBe(1);
    await teamRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await teamRow.getByRole('button', { name: 'Yes, delete' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: `is used by "${policy}"` })
      .waitFor({ timeout: 10_000 });
    expect(await textOf(page.getByRole('alert').filter({ hasText: 'is used by' }))).toContain(
      `Could not delete ${team}.`,
    );
    expect(await teamRow.count()).toBe(1);
    await shot(page, 'teams-delete-refused');

    // Edited: a second namespace, then disabled; the simulator follows.
    await openSettings(page, slug, 'Policies', 'policies');
    await expect.poll(() => policyRow.count(), { timeout: 15_000 }).toBe(1);
    await policyRow.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: `Edit policy ${policy}` }).waitFor();
    const editedCondition = page.getByRole('group', { name: 'Condition 1', exact: true });
    expect(await editedCondition.getByLabel('Values').inputValue()).toBe('payments');
    expect(await editedCondition.getByLabel('Operator').inputValue()).toBe('notIn');
    await editedCondition.getByLabel('Values').fill('payments, billing');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => textOf(policyRow), { timeout: 10_000 }).toContain('namespace not in payments, billing');
    decision = await simulate(page, memberEmail, 'billing');
    await expect.poll(() => textOf(decision)).toContain('Allowed');

    await policyRow.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByLabel('Enabled', { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => policyRow.getAttribute('data-enabled'), { timeout: 10_000 }).toBe('false');
    expect(await textOf(policyRow)).toContain('Disabled');
    decision = await simulate(page, memberEmail, 'orders');
    await expect.poll(() => textOf(decision)).toContain('Allowed');
    await shot(page, 'policies');

    // An API key carrying the policy: shown in the key list, and it keeps the policy from being deleted.
    await openSettings(page, slug, 'API keys', 'api-keys');
    const policySelect = page.getByLabel('Policy', { exact: true });
    await expect.poll(() => policySelect.locator('option').allTextContents(), { timeout: 10_000 }).toContain(policy);
    await page.getByLabel('Key name').fill('payments dashboards');
    await policySelect.selectOption({ label: policy });
    await page.getByRole('button', { name: 'Create key' }).click();
    const newKey = page.getByRole('region', { name: 'New API key' });
    await newKey.waitFor({ timeout: 10_000 });
    expect(await textOf(newKey)).toContain(`under the policy ${policy}`);
    await page.getByRole('button', { name: 'Done' }).click();
    const keyRow = page
      .getByRole('table', { name: 'API keys' })
      .getByRole('row')
      .filter({ hasText: 'payments dashboards' });
    expect(await textOf(keyRow)).toContain(policy);
    await shot(page, 'api-keys-policy');

    await openSettings(page, slug, 'Policies', 'policies');
    await expect.poll(() => policyRow.count(), { timeout: 15_000 }).toBe(1);
    await policyRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await policyRow.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('alert').filter({ hasText: 'attached to 1 API key' }).waitFor({ timeout: 10_000 });

    // Revoked, the key no longer holds it: the policy goes, and then the team can go too.
    await openSettings(page, slug, 'API keys', 'api-keys');
    await expect.poll(() => keyRow.count(), { timeout: 15_000 }).toBe(1);
    await keyRow.getByRole('button', { name: 'Revoke', exact: true }).click();
    await keyRow.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => keyRow.getAttribute('data-status'), { timeout: 10_000 }).toBe('revoked');
    await openSettings(page, slug, 'Policies', 'policies');
    await expect.poll(() => policyRow.count(), { timeout: 15_000 }).toBe(1);
    await policyRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await policyRow.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => policyRow.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => textOf(policies)).toContain('No policies yet');

    await openSettings(page, slug, 'Teams', 'teams');
    await expect.poll(() => teamRow.count(), { timeout: 15_000 }).toBe(1);
    await teamRow.getByRole('button', { name: `Remove ${memberEmail} from ${team}` }).click();
    await expect.poll(() => textOf(teamRow), { timeout: 10_000 }).toContain('No members');
    await teamRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await teamRow.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => teamRow.count(), { timeout: 10_000 }).toBe(0);

    expect(errors).toEqual([]);
    expect(memberErrors).toEqual([]);
  }, 240_000);
});
