import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { encodeHostMetricsBatch, type HostMetrics, INGEST_HOST_METRICS_PATH } from '@bathyscope/wire';
import { describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, textOf, watchErrors } from '../kit/console';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { cpuModes, hostMetricsRow, noise } from '../kit/host-metrics';
import '../kit/stack-info';

/**
 * The forecasts page in a real browser against the real stack: a week of a host's hourly CPU (daily cycle, upward
 * trend) is backfilled through the gateway; the owner opens Forecasts from the side navigation, asks for the host's
 * CPU over 14 days with an 80 % threshold and reads the answer in words, the backtest beside it, and the chart with
 * history, forecast, interval band and threshold. The choice lives in the URL, so a reload shows the same forecast.
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
const HOUR = 3_600_000;

const hostRow = (timeMs: number, busy: number): HostMetrics =>
  hostMetricsRow(timeMs, { cpuUtilisation: cpuModes(busy) });

describe('forecasts in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 960 });

  it('forecasts a host’s CPU with its interval, threshold and backtest, from the side navigation', async () => {
    const a = await createTenantWithAgent('fc-web');
    const host = `web-db-${randomBytes(3).toString('hex')}`;
    await testPrisma().agent.update({
      where: { id: a.agent.agentId },
      data: { hostFacts: { hostname: host, ips: [] } },
    });
    const nowHour = Math.floor(Date.now() / HOUR) * HOUR;
    const n = noise(5);
    const rows = Array.from({ length: 160 }, (_, i) => {
      const t = nowHour - (160 - i) * HOUR + 30 * 60_000;
      const busy = 0.3 + 0.12 * Math.sin((2 * Math.PI * new Date(t).getUTCHours()) / 24) + 0.001 * i;
      return hostRow(t, busy + 0.02 * n());
    });
    const res = await fetch(`${stack.ingestUrl}${INGEST_HOST_METRICS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${a.agent.token}` },
      body: new Uint8Array(encodeHostMetricsBatch({ stream: 'fc-web', seq: 1, rows })),
    });
    expect(res.status).toBe(200);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, a.email, a.password);
    await page.waitForURL(new RegExp(`/t/${a.slug}/requests`), { timeout: 20_000 });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Forecasts' }).click();
    await page.waitForURL(new RegExp(`/t/${a.slug}/forecasts`));
    await page.getByRole('heading', { name: 'Forecasts', level: 1 }).waitFor();

    // The form refuses a host forecast without a host.
    const form = page.getByRole('form', { name: 'Forecast' });
    await form.getByRole('button', { name: 'Forecast' }).click();
    await expect.poll(() => textOf(form.getByRole('alert'))).toBe('Enter the host name.');

    await form.getByLabel('Host', { exact: true }).fill(host);
    await form.getByLabel('Metric', { exact: true }).selectOption('CPU_PERCENT');
    await form.getByLabel('Horizon', { exact: true }).selectOption('336');
    await form.getByLabel('Threshold', { exact: true }).fill('80');
    await form.getByRole('button', { name: 'Forecast' }).click();
    await page.waitForURL(/source=HOST/);

    // The host's name reaches ClickHouse's dictionary within its 30–60 s lifetime; until then the page says so.
    const answer = page.getByTestId('forecast-answer');
    await expect
      .poll(
        async () => {
          if (await answer.isVisible()) return textOf(answer);
          if (await page.getByText('No data: nothing you can see').isVisible())
            await page.getByRole('button', { name: 'Refresh' }).click();
          return '';
        },
        { timeout: 120_000, interval: 2_000 },
      )
      // The point forecast's trend may be damped by the model, so either a crossing or the interval's warning.
      .toMatch(/^CPU (reaches 80 % in \d+ days|is not expected to reach 80 % within 14 days, but might in \d+ days)/);
    expect(await textOf(answer)).toContain('Seasonality: daily, with trend.');
    const backtest = page.getByTestId('forecast-backtest');
    expect(await textOf(backtest)).toMatch(/Held out112 hMAPE\d+(\.\d)? %/);
    const chart = page.getByRole('figure', { name: `${host}: history and 95 % forecast` });
    await expect.poll(() => chart.getAttribute('data-forecast-points')).toBe('336');
    expect(await chart.getAttribute('data-history-points')).toBe('160');
    // uPlot drew the canvas, with the band and the threshold in its legend.
    await chart.locator('canvas').first().waitFor();
    expect(await chart.locator('.u-legend').textContent()).toContain('Threshold');
    await page.screenshot({
      path: path.join(artifacts, 'forecasts-host-cpu.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // The forecast is in the URL: a reload shows it again.
    await page.reload();
    await expect.poll(() => textOf(page.getByTestId('forecast-answer')), { timeout: 30_000 }).toMatch(/^CPU /);
    expect(await page.getByLabel('Host', { exact: true }).inputValue()).toBe(host);
    expect(errors).toEqual([]);
    // Sign-in, backfill and the dictionary's 30–60 s reload take longer than the default test timeout.
  }, 300_000);
});
