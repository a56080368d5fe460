import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Browser-test steps through the console, as a user takes them. */

export async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

/** Collects uncaught errors and console errors (hydration mismatches end up there); tests expect none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location().url;
      errors.push(where ? `${message.text()} (${where})` : message.text());
    }
  });
  return errors;
}

/** A new tenant and its owner through `/signup`; ends on the tenant's request log. */
export async function signUpInBrowser(
  page: Page,
  webUrl: string,
  owner: { email: string; password: string; slug: string },
): Promise<void> {
  await page.goto(`${webUrl}/signup`);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByLabel('Organisation name').fill(`Org ${owner.slug}`);
  await page.getByLabel('Tenant slug').fill(owner.slug);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(new RegExp(`/t/${owner.slug}/requests`), { timeout: 20_000 });
}

/** The sign-in form, filled and sent; where it leads is up to the caller to wait for. */
export async function signIn(page: Page, webUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${webUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A settings page through the side navigation's Settings group, e.g. `openSettings(page, slug, 'Teams', 'teams')`. */
export async function openSettings(page: Page, slug: string, link: string, segment: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Console' });
  await nav.getByRole('list', { name: 'Settings' }).getByRole('link', { name: link, exact: true }).click();
  await page.waitForURL(new RegExp(`/t/${slug}/settings/${segment}`));
  await page.getByRole('heading', { name: link, level: 1 }).waitFor();
  await expect.poll(() => nav.getByRole('link', { name: link, exact: true }).getAttribute('aria-current')).toBe('page');
}

/** Sends an invitation from the Members page and waits for "Invitation sent to …". */
export async function invite(page: Page, email: string, role: string): Promise<void> {
  await page.getByLabel('Invite email').fill(email);
  await page.getByLabel('Invite role').selectOption(role);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.getByText(`Invitation sent to ${email}.`).waitFor({ timeout: 15_000 });
}
