import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../kit/browser';
import '../kit/stack-info';
import { curl, startHttpTarget } from '../kit/http-target';

const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
// Only an explicit BATHYSCOPE_SKIP_EBPF=1 skips what needs eBPF capture.
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

/** Signs in as the demo admin the way a user does and lands on the request log. */
async function signIn(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${stack.webUrl}/login`);
  await page.getByLabel('Email').fill(stack.demo.email);
  await page.getByLabel('Password').fill(stack.demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/t\/demo\/requests/);
  return page;
}

describe('console in a real browser', () => {
  let browser: Browser;
  let target: Awaited<ReturnType<typeof startHttpTarget>>;
  const run = randomBytes(4).toString('hex');

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
    target = await startHttpTarget();
    curl(Array.from({ length: 5 }, (_, i) => `http://127.0.0.1:${target.port}/browser-${run}/${i}`));
  });

  afterAll(async () => {
    await browser?.close();
    await target?.stop();
  });

  it.skipIf(skipEbpf)('signs in and shows the captured requests in the request log', async () => {
    const page = await signIn(browser);
    await page.getByLabel('Path contains').fill(`/browser-${run}/`);
    const table = page.getByRole('table', { name: 'Request log' });
    await expect
      .poll(
        async () =>
          await table
            .getByRole('row')
            .filter({ hasText: `/browser-${run}/` })
            .count(),
        { timeout: 30_000, interval: 1000 },
      )
      .toBeGreaterThanOrEqual(5);
    await expect.poll(async () => (await table.textContent()) ?? '').toContain(`/browser-${run}/4`);
    await page.screenshot({ path: path.join(artifacts, 'request-log.png'), fullPage: true });
  });

  it.skipIf(skipEbpf)('shows the local agent online with eBPF capturing on the agents page', async () => {
    const page = await signIn(browser);
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Agents' }).click();
    const table = page.getByRole('table', { name: 'Agents' });
    await expect.poll(async () => (await table.textContent()) ?? '', { timeout: 15_000 }).toMatch(/online/i);
    expect(await table.textContent()).toContain('OK');
    expect(await page.getByRole('status', { name: 'Agent health' }).count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'agents.png'), fullPage: true });
  });

  it('refuses a wrong password with a visible message', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.webUrl}/login`);
    await page.getByLabel('Email').fill(stack.demo.email);
    await page.getByLabel('Password').fill('definitely-wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(async () => page.getByRole('alert').filter({ hasText: /\S/ }).first().textContent(), { timeout: 10_000 })
      .toMatch(/wrong|invalid/i);
    expect(page.url()).toContain('/login');
  });
});
