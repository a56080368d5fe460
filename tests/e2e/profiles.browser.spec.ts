import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { encodeProfileBatch, INGEST_PROFILES_PATH, ProfileEventType } from '@bathyscope/wire';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, textOf, watchErrors } from '../kit/console';
import { createTenantWithAgent } from '../kit/fixtures';
import '../kit/stack-info';

/**
 * The Profiles page in a real browser against the real stack: stacks with known values go through the gateway,
 * the page draws them with d3-flame-graph (one SVG frame per node, named), the search highlights matching frames
 * and says their share, and "Compare with" switches to the differential graph (red grew, blue shrank).
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

const frame = (page: Page, name: string) => page.locator(`[data-testid="flame-graph"] svg g[name="${name}"] rect`);

describe('profiles page in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 960 });

  it('draws the flame graph, highlights a search and shows the diff against the range before', async () => {
    const tenant = await createTenantWithAgent('prof-ui');
    const proc = `ui-${randomBytes(3).toString('hex')}`;
    const now = Date.now();
    const frames = [['leafA', 'mid', 'main'], ['leafB', 'mid', 'main'], ['main'], ['leafC', 'main']];
    const ship = async (seq: number, startMs: number, values: number[]) => {
      const body = encodeProfileBatch({
        stream: `ui-${proc}`,
        seq,
        startTimeUs: startMs * 1000,
        durationMs: 10_000,
        eventType: ProfileEventType.Cpu,
        dropped: 0,
        stacks: frames.map((f) => ({ frames: f })),
        samples: values.flatMap((value, stackIndex) =>
          value > 0 ? [{ pid: 777, tid: 777, processName: proc, stackIndex, value }] : [],
        ),
      });
      const res = await fetch(`${stack.ingestUrl}${INGEST_PROFILES_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.agent.token}`, 'content-type': 'application/x-protobuf' },
        body: new Uint8Array(body),
      });
      expect(res.status).toBe(200);
    };
    // 8 minutes ago (base: 100 samples) and 2 minutes ago (comparison: 200 samples).
    await ship(1, now - 8 * 60_000, [50, 30, 20, 0]);
    await ship(2, now - 2 * 60_000, [20, 120, 40, 20]);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, tenant.email, tenant.password);
    await page.waitForURL(new RegExp(`/t/${tenant.slug}/`), { timeout: 20_000 });
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Profiles', exact: true })
      .click();
    await page.waitForURL(new RegExp(`/t/${tenant.slug}/profiles`));
    await page.getByRole('heading', { name: 'Profiles', level: 1 }).waitFor();

    // The process picker lists what has samples in the range.
    await expect
      .poll(async () => page.getByLabel('Process').locator('option').allTextContents(), { timeout: 20_000 })
      .toContain(proc);
    await page.getByLabel('Process').selectOption(proc);
    await expect.poll(() => page.url()).toContain(`process=${proc}`);
    await expect.poll(() => frame(page, 'leafC').count(), { timeout: 20_000 }).toBe(1);
    for (const name of ['root', 'main', 'mid', 'leafA', 'leafB', 'leafC'])
      expect(await frame(page, name).count()).toBe(1);
    expect(await textOf(page.locator('header', { has: page.locator('#profiles-heading') }))).toContain('300 samples');
    const topNames = await page
      .getByRole('table', { name: 'Top functions by self time' })
      .locator('tbody tr td:first-child')
      .allTextContents();
    expect(topNames.slice(0, 2)).toEqual(['leafB', 'leafA']);
    await shot(page, 'profiles-flame-graph');

    // Search: matching frames are highlighted, the others not, and the share is said.
    await page.getByLabel('Search frames').fill('leaf');
    await expect
      .poll(() => textOf(page.getByTestId('search-summary')))
      .toBe('3 frames match “leaf”: 240 of 300 samples (80.0%).');
    await expect.poll(() => frame(page, 'leafA').getAttribute('fill')).toBe('#E600E6');
    expect(await frame(page, 'leafB').getAttribute('fill')).toBe('#E600E6');
    expect(await frame(page, 'mid').getAttribute('fill')).not.toBe('#E600E6');
    await shot(page, 'profiles-search');
    await page.getByLabel('Search frames').fill('');

    // Diff: the last 5 minutes against the 5 before. leafB grew (120 vs 30 scaled ×2), leafA shrank (20 vs 50 ×2).
    await page.getByLabel('Time range').selectOption('5m');
    await page.getByLabel('Compare with').selectOption('previous');
    await page.getByText('grew and').waitFor();
    await expect.poll(() => frame(page, 'leafB').getAttribute('fill'), { timeout: 20_000 }).toBe('rgb(220,118,118)');
    expect(await frame(page, 'leafA').getAttribute('fill')).toBe('rgb(0,0,220)');
    // leafC is new: all of it is growth.
    expect(await frame(page, 'leafC').getAttribute('fill')).toBe('rgb(255,190,90)');
    expect(page.url()).toContain('compare=previous');
    await shot(page, 'profiles-diff');

    // The URL keeps the selection across a reload.
    await page.reload();
    await expect.poll(() => frame(page, 'leafB').getAttribute('fill'), { timeout: 20_000 }).toBe('rgb(220,118,118)');
    expect(await page.getByLabel('Process').inputValue()).toBe(proc);
    expect(errors).toEqual([]);
  }, 120_000);
});
