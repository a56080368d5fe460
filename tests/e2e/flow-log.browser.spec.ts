import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { encodeFlowBatch, type FlowRow, INGEST_FLOWS_PATH } from '@bathyscope/wire';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, textOf, watchErrors } from '../kit/console';
import { createTenantWithAgent } from '../kit/fixtures';
import '../kit/stack-info';

/**
 * The flow log in a real browser against the real stack: flows shipped through the gateway are listed with both
 * ends, bytes, packets, retransmissions, RTT and setup time; filters apply and stay in the URL across a reload;
 * "Load more" pages with the cursor; a row links to the request log of the same end.
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

const rows = (page: Page) => page.getByRole('table', { name: 'Flow log' }).locator('tbody tr[data-flow-id]');

describe('flow log page in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1600, height: 960 });

  it('lists flows, filters them (kept in the URL), pages, and links to the request log', async () => {
    const tenant = await createTenantWithAgent('flow-ui');
    const proc = `ui-${randomBytes(3).toString('hex')}`;
    const now = Date.now();
    const flow = (i: number, over: Partial<FlowRow> = {}): FlowRow => ({
      startTimeUs: (now - 120_000 + i * 100) * 1000,
      endTimeUs: (now - 119_000 + i * 100) * 1000,
      flowId: 100 + i,
      tapSide: 1,
      protocol: 6,
      closeType: 0,
      pid: 4321,
      processName: proc,
      clientIp: '10.88.0.1',
      clientPort: 30_000 + i,
      serverIp: '10.88.0.2',
      serverPort: 8080,
      bytesTx: 1000,
      bytesRx: 2048,
      packetsTx: 3,
      packetsRx: 4,
      retransTx: 0,
      retransRx: 0,
      zeroWinTx: 0,
      zeroWinRx: 0,
      rttUs: 250,
      connSetupUs: 0,
      newFlow: false,
      ...over,
    });
    // 60 rows (more than one page of 50), the newest a reset with retransmissions to port 5432.
    const batch = Array.from({ length: 59 }, (_, i) => flow(i));
    batch.push(
      flow(59, { serverPort: 5432, closeType: 2, retransTx: 2, retransRx: 1, rttUs: 12_000, connSetupUs: 900 }),
    );
    const res = await fetch(`${stack.ingestUrl}${INGEST_FLOWS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${tenant.agent.token}` },
      body: new Uint8Array(encodeFlowBatch({ stream: 'flows-ui', seq: 1, rows: batch })),
    });
    expect(res.status).toBe(200);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, tenant.email, tenant.password);
    await page.waitForURL(new RegExp(`/t/${tenant.slug}/`), { timeout: 20_000 });
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Flow log', exact: true })
      .click();
    await page.waitForURL(new RegExp(`/t/${tenant.slug}/flows`));
    await page.getByRole('heading', { name: 'Flow log', level: 1 }).waitFor();

    // First page of 50, newest first; "Load more" brings the rest.
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBe(50);
    const newest = rows(page).first();
    expect(await newest.getAttribute('data-flow-id')).toBe('159');
    const cells = await newest.locator('td').allTextContents();
    expect(cells[1]).toContain('10.88.0.1:30059');
    expect(cells[2]).toContain('10.88.0.2:5432');
    expect(cells.slice(3, 10)).toEqual(['TCP', 'reset', '1000 B / 2 KiB', '3 / 4', '3', '12 ms', '900 µs']);
    await page.getByRole('button', { name: /load more/i }).click();
    await expect.poll(() => rows(page).count()).toBe(60);
    expect(new Set(await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-flow-id')))).size).toBe(
      60,
    );
    await shot(page, 'flow-log');

    // Filters apply and are kept in the URL. Text filters apply after a debounce and then a query, which on a
    // loaded 2-core machine can take longer than the default poll.
    const FILTER_SETTLES = { timeout: 20_000 };
    await page.getByLabel('Server port').fill('5432');
    await expect.poll(() => rows(page).count(), FILTER_SETTLES).toBe(1);
    await page.getByLabel('Close type').selectOption('normal');
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Flow log' })), FILTER_SETTLES)
      .toContain('No flows in this time range');
    await page.getByLabel('Close type').selectOption('reset');
    await expect.poll(() => rows(page).count(), FILTER_SETTLES).toBe(1);
    await page.getByLabel('Min RTT (ms)').fill('20');
    await expect.poll(() => rows(page).count(), FILTER_SETTLES).toBe(0);
    await page.getByLabel('Min RTT (ms)').fill('10');
    await expect.poll(() => rows(page).count(), FILTER_SETTLES).toBe(1);
    await expect.poll(() => page.url(), FILTER_SETTLES).toContain('minRttMs=10');
    expect(page.url()).toContain('serverPort=5432');
    expect(page.url()).toContain('close=reset');
    // A typo is said under the field and kept out of the query.
    await page.getByLabel('Server IP').fill('10.88.0.300');
    await expect.poll(() => textOf(page.locator('#flow-serverIp-error'))).toBe('Enter an IPv4 or IPv6 address.');
    expect(await rows(page).count()).toBe(1);
    await page.getByLabel('Server IP').fill('10.88.0.2');
    await expect.poll(() => page.url()).toContain('serverIp=10.88.0.2');
    await shot(page, 'flow-log-filtered');

    // A reload keeps the filters; once the gateway's new host and process resources have names (the dictionary
    // reloads within a minute), the client end links to the request log of its host.
    await expect
      .poll(
        async () => {
          await page.reload();
          await rows(page).first().waitFor({ timeout: 15_000 });
          return rows(page).first().getByRole('link', { name: 'client' }).count();
        },
        { timeout: 100_000, interval: 5_000 },
      )
      .toBe(1);
    expect(await rows(page).count()).toBe(1);
    expect(await page.getByLabel('Server port').inputValue()).toBe('5432');
    expect(await textOf(rows(page).first().locator('td').nth(1))).toContain(proc);
    await rows(page).first().getByRole('link', { name: 'client' }).click();
    await page.waitForURL(new RegExp(`/t/${tenant.slug}/requests\\?host=`));
    expect(decodeURIComponent(page.url())).toContain(`host=${tenant.slug}-agent`);
    expect(errors).toEqual([]);
  }, 180_000);
});
