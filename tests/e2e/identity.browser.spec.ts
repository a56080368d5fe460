import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../kit/browser';
import '../kit/stack-info';
import { testPrisma } from '../kit/fixtures';

const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
const ME = '{ me { role tenant { slug } } }';

interface GraphQLAnswer {
  data: { me: { role: string; tenant: { slug: string } } | null } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Calls the GraphQL endpoint at `baseUrl` the way automation does: with the API key, no cookie. */
async function withApiKey(baseUrl: string, secret: string): Promise<GraphQLAnswer> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ query: ME }),
  });
  return (await res.json()) as GraphQLAnswer;
}

async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

describe('sign-up, API keys and the audit log in a real browser', () => {
  let browser: Browser;
  const slug = `ui-${randomBytes(4).toString('hex')}`;
  const email = `${slug}@example.test`;
  const password = `pw-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await testPrisma().$disconnect();
  });

  it('signs up, creates an API key that works, revokes it, and finds both in the audit log', async () => {
    const context = await browser.newContext({
      viewport: { width: 1360, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    // Hydration mismatches and uncaught errors end up here.
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

    // Sign up from the sign-in page's link.
    await page.goto(`${stack.webUrl}/login`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/signup$/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Organisation name').fill(`Acme ${slug.toUpperCase()} Ltd.`);
    // The slug follows the organisation name until it is edited.
    expect(await page.getByLabel('Tenant slug').inputValue()).toBe(`acme-${slug}-ltd`);
    await page.getByLabel('Tenant slug').fill(slug);
    await page.getByLabel('Organisation name').fill(`Acme ${slug}`);
    expect(await page.getByLabel('Tenant slug').inputValue()).toBe(slug);
    await page.screenshot({ path: path.join(artifacts, 'signup.png'), fullPage: true, animations: 'disabled' });
    await page.getByRole('button', { name: 'Create account' }).click();

    // Signed in, on the new tenant's request log.
    await page.waitForURL(new RegExp(`/t/${slug}/requests`), { timeout: 20_000 });
    await page.getByRole('heading', { name: 'Request log', level: 1 }).waitFor();

    // API keys, from the Settings group of the side navigation.
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('list', { name: 'Settings' }).getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/settings/api-keys`));
    await expect.poll(() => nav.getByRole('link', { name: 'API keys' }).getAttribute('aria-current')).toBe('page');
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'API keys' });
    await expect.poll(() => textOf(table), { timeout: 15_000 }).toContain('No API keys yet');

    await page.getByLabel('Key name').fill('ci deploy');
    await page.getByLabel('Role').selectOption('editor');
    await page.getByRole('button', { name: 'Create key' }).click();

    // The secret, once.
    const panel = page.getByRole('region', { name: 'New API key' });
    await panel.waitFor({ timeout: 15_000 });
    const secret = await panel.getByLabel('API key secret').inputValue();
    expect(secret).toMatch(/^bsk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await textOf(panel)).toContain('This key will not be shown again');
    const example = await textOf(panel.locator('pre'));
    expect(example).toContain(`'${stack.webUrl}/graphql'`);
    expect(example).toContain(`Authorization: Bearer ${secret}`);
    await expect.poll(() => textOf(table.getByRole('row').filter({ hasText: 'ci deploy' }))).toContain('Active');
    await page.screenshot({
      path: path.join(artifacts, 'api-keys-created.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // "Copy key" puts the secret on the clipboard.
    await panel.getByRole('button', { name: 'Copy key' }).click();
    await expect.poll(() => textOf(panel.getByRole('status'))).toBe('Key copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    // The key works against the API, and through the console's /graphql as the curl example uses it.
    const me = { data: { me: { role: 'editor', tenant: { slug } } } };
    expect(await withApiKey(stack.apiUrl, secret)).toEqual(me);
    expect(await withApiKey(stack.webUrl, secret)).toEqual(me);

    // Done forgets the secret.
    await panel.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByRole('region', { name: 'New API key' }).count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    // Revoke, with a confirmation step.
    const row = table.getByRole('row').filter({ hasText: 'ci deploy' });
    await row.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => textOf(row), { timeout: 10_000 }).toContain('Revoked');
    expect(await row.getByRole('button', { name: 'Revoke', exact: true }).count()).toBe(0);
    await page.screenshot({
      path: path.join(artifacts, 'api-keys-revoked.png'),
      fullPage: true,
      animations: 'disabled',
    });

    const refused = await withApiKey(stack.apiUrl, secret);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // The audit log has the sign-up, the key's creation and revocation, and the refused use.
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/settings/audit-log`));
    const audit = page.getByRole('table', { name: 'Audit log' });
    const rowFor = (action: string) => audit.locator(`tr[data-action="${action}"]`);
    await expect.poll(() => rowFor('apiKey.revoke').count(), { timeout: 15_000 }).toBe(1);
    expect(await rowFor('apiKey.create').count()).toBe(1);
    expect(await rowFor('tenant.signUp').count()).toBe(1);
    expect(await textOf(rowFor('apiKey.use'))).toContain('Denied');
    expect(await textOf(rowFor('apiKey.create'))).toContain(email);

    // Details show before/after as indented JSON.
    await rowFor('apiKey.create').getByRole('button', { name: 'Details' }).click();
    const audited = await textOf(audit);
    expect(audited).toContain('"name": "ci deploy"');
    expect(audited).toContain('"role": "editor"');
    expect(audited).not.toContain(secret.slice(17));
    await page.screenshot({ path: path.join(artifacts, 'audit-log.png'), fullPage: true, animations: 'disabled' });

    // Filters apply at once and are kept in the URL.
    const listed = async () =>
      (
        await audit
          .locator('tbody tr[data-action]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))
      )
        .sort()
        .join(',');
    await page.getByLabel('Action').selectOption('apiKey.revoke');
    await expect.poll(listed, { timeout: 10_000 }).toBe('apiKey.revoke');
    expect(page.url()).toContain('action=apiKey.revoke');
    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Outcome').selectOption('denied');
    await expect.poll(listed, { timeout: 10_000 }).toBe('apiKey.use');
    expect(page.url()).toContain('outcome=denied');
    expect(page.url()).not.toContain('action=');
    await page.screenshot({
      path: path.join(artifacts, 'audit-log-filtered.png'),
      fullPage: true,
      animations: 'disabled',
    });
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('shows a taken tenant slug next to its field', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.webUrl}/signup`);
    await page.getByLabel('Email').fill(`other-${email}`);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Organisation name').fill('Someone else');
    await page.getByLabel('Tenant slug').fill(slug);
    await page.getByRole('button', { name: 'Create account' }).click();
    const slugField = page.getByLabel('Tenant slug');
    await expect.poll(() => slugField.getAttribute('aria-invalid'), { timeout: 10_000 }).toBe('true');
    const describedBy = (await slugField.getAttribute('aria-describedby')) ?? '';
    const errorId = describedBy.split(' ').find((id) => id.endsWith('-error'));
    expect(errorId).toBeDefined();
    expect(await page.locator(`#${errorId}`).textContent()).toBe('That tenant slug is taken.');
    expect(page.url()).toContain('/signup');
    await page.screenshot({
      path: path.join(artifacts, 'signup-conflict.png'),
      fullPage: true,
      animations: 'disabled',
    });
    await page.getByRole('link', { name: 'Sign in instead' }).click();
    await page.waitForURL(/\/login$/);
  });

  it('tells a viewer they need the admin role for API keys and the audit log', async () => {
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const viewerEmail = `viewer-${slug}@example.test`;
    await provisionTenant(testPrisma(), { slug, name: slug, email: viewerEmail, password, role: 'viewer' });

    const page = await browser.newPage();
    await page.goto(`${stack.webUrl}/login`);
    await page.getByLabel('Email').fill(viewerEmail);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/requests`));

    await page.goto(`${stack.webUrl}/t/${slug}/settings/api-keys`);
    await page.getByText('You need the admin role').waitFor();
    expect(await page.getByRole('table', { name: 'API keys' }).count()).toBe(0);
    await page.screenshot({
      path: path.join(artifacts, 'api-keys-viewer.png'),
      fullPage: true,
      animations: 'disabled',
    });

    await page.goto(`${stack.webUrl}/t/${slug}/settings/audit-log`);
    await page.getByText('You need the admin role').waitFor();
    expect(await page.getByRole('table', { name: 'Audit log' }).count()).toBe(0);
  });
});
