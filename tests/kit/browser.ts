import * as fs from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/**
 * Debian's Chromium, headless, with the flags this machine needs: no sandbox as root, and no background
 * networking (the network is closed; those connections would only fail).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * One Chromium for a describe block: launched before its tests, closed (with every context) after them.
 * `newPage()` opens a page in a fresh context, so each user of a test has their own cookies.
 */
export function browserPerSuite(artifactsDir: string, viewport = { width: 1360, height: 900 }) {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    fs.mkdirSync(artifactsDir, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
  });
  return {
    async newPage(): Promise<Page> {
      if (!browser) throw new Error('browserPerSuite: used outside a test');
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      return context.newPage();
    },
  };
}
