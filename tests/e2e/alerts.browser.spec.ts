import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, signUpInBrowser, textOf, watchErrors } from '../kit/console';
import { testPrisma } from '../kit/fixtures';
import { startWebhookReceiver } from '../kit/webhook-receiver';
import '../kit/stack-info';

/**
 * The alerting console in a real browser against the real stack: an owner adds a webhook destination (a private
 * address is refused under the URL field; a loopback receiver, which the test stack allows, is taken and its
 * secret shown once), presses "Send test" and sees the delivery with HTTP 200 in the destination's log while the
 * receiver got a request that verifies with the Standard Webhooks library; creates a rule (browser checks and the
 * API's name clash under their fields), disables and enables it; creates and expires a silence. A viewer of the
 * same tenant reads every tab without any write button.
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
const pw = () => `pw-${randomBytes(12).toString('hex')}`;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

const tab = (page: Page, name: string): Locator => page.getByRole('tab', { name, exact: true });

describe('alerting console in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 960 });
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  afterAll(async () => {
    await receiver?.close();
  });

  it('destinations with send test and delivery log, rules, silences; a viewer reads only', async () => {
    receiver = await startWebhookReceiver();
    const slug = unique('alerts');
    const tag = randomBytes(3).toString('hex');
    const owner = { slug, email: `${slug}@example.test`, password: pw() };
    const destinationName = `ops hook ${tag}`;
    const ruleName = `Checkout errors ${tag}`;
    const hookPath = `/hook-${tag}`;

    const page = await newPage();
    const errors = watchErrors(page);
    await signUpInBrowser(page, stack.webUrl, owner);
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/alerts`));
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();

    // Destinations: checked in the browser, then the API's SSRF guard under the URL field.
    await tab(page, 'Destinations').click();
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Webhook destinations' })), { timeout: 15_000 })
      .toContain('No destinations yet');
    await page.getByRole('button', { name: 'Add destination' }).click();
    await expect.poll(() => textOf(page.locator('#destination-name-error'))).toBe('Enter a name for the destination.');
    expect(await textOf(page.locator('#destination-url-error'))).toBe('Enter an http:// or https:// URL.');
    await page.getByLabel('Destination name').fill(destinationName);
    await page.getByLabel('Webhook URL').fill('http://10.0.0.1/alerts');
    await page.getByRole('button', { name: 'Add destination' }).click();
    await expect
      .poll(() => textOf(page.locator('#destination-url-error')), { timeout: 15_000 })
      .toMatch(/10\.0\.0\.1 resolves to 10\.0\.0\.1, a \w+ address; webhooks go to public addresses only/);
    expect(await page.getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('tr[data-destination]').count()).toBe(0);
    await shot(page, 'alerts-destination-refused');

    await page.getByLabel('Webhook URL').fill(receiver.url(hookPath));
    await page.getByRole('button', { name: 'Add destination' }).click();
    const secretCode = page.locator('code[data-secret]');
    await secretCode.waitFor({ timeout: 15_000 });
    const secret = await textOf(secretCode);
    expect(secret).toMatch(/^whsec_/);
    const destinationRow = page.locator(`tr[data-destination="${destinationName}"]`);
    await destinationRow.waitFor({ timeout: 15_000 });
    expect(await textOf(destinationRow)).toContain(receiver.url(hookPath));
    // Write-only: nothing else on the page carries the secret once dismissed.
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(secret);

    await destinationRow.getByRole('button', { name: 'Send test' }).click();
    await expect
      .poll(() => destinationRow.locator('[data-test-result]').getAttribute('data-test-result'), { timeout: 30_000 })
      .toBe('delivered');
    expect(await textOf(destinationRow.locator('[data-test-result]'))).toMatch(/HTTP 200 in \d+ ms/);
    const log = page.getByRole('table', { name: `Deliveries to ${destinationName}` });
    await expect
      .poll(() => log.locator('tr[data-status="delivered"][data-status-code="200"]').count(), { timeout: 15_000 })
      .toBe(1);
    const logRow = await textOf(log.locator('tr[data-status="delivered"]').first());
    expect(logRow).toContain('test');
    expect(logRow).toContain('answered 200');
    const got = receiver.at(hookPath);
    expect(got).toHaveLength(1);
    const request = got[0] as (typeof got)[number];
    expect(new Webhook(secret).verify(request.body, request.headers)).toMatchObject({ version: '4' });
    await shot(page, 'alerts-destinations');

    // Rules: browser checks, then the API's name clash under the name field.
    await tab(page, 'Rules').click();
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(() => textOf(page.locator('#rule-name-error'))).toBe('Enter a name for the rule.');
    expect(await textOf(page.locator('#rule-metric-error'))).toBe('Choose a metric.');
    expect(await page.getByLabel('Rule name').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Rule name').fill(ruleName);
    await page.getByLabel('Metric').fill('server_errors');
    await page.getByLabel('Group by').fill('pod_name_bogus');
    await page.getByLabel('Threshold').fill('5');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect
      .poll(() => textOf(page.locator('#rule-groupBy-error')))
      .toMatch(/^server_errors has no label pod_name_bogus/);
    await page.getByLabel('Group by').fill('endpoint');
    await page.getByLabel('Filters').fill("endpoint != /x'; DROP TABLE alert_rules; --");
    await page.getByLabel('For (s)').fill('60');
    await page.getByLabel('Labels').fill('severity=page');
    await page.getByLabel('Annotations').fill('summary={{ $value }} errors on {{ $labels.endpoint }}');
    await page.getByRole('checkbox', { name: destinationName }).check();
    await page.getByRole('button', { name: 'Create rule' }).click();
    const ruleRow = page.locator(`tr[data-rule="${ruleName}"]`);
    await ruleRow.waitFor({ timeout: 15_000 });
    expect(await page.getByLabel('Rule name').inputValue()).toBe('');
    const ruleText = await textOf(ruleRow);
    expect(ruleText).toContain('server_errors');
    expect(ruleText).toContain("endpoint!=/x'; DROP TABLE alert_rules; --");
    expect(ruleText).toContain('by endpoint');
    expect(await textOf(ruleRow.locator('[data-condition]'))).toContain('> 5 for 1 min');
    expect(ruleText).toContain(destinationName);

    await page.getByLabel('Rule name').fill(ruleName);
    await page.getByLabel('Metric').fill('server_errors');
    await page.getByLabel('Threshold').fill('1');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect
      .poll(() => textOf(page.locator('#rule-name-error')), { timeout: 15_000 })
      .toBe(`an alert rule named ${ruleName} exists`);
    await page.getByLabel('Rule name').fill('');

    await ruleRow.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => ruleRow.getAttribute('data-enabled'), { timeout: 15_000 }).toBe('false');
    await ruleRow.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => ruleRow.getAttribute('data-enabled'), { timeout: 15_000 }).toBe('true');
    // Edit: the form takes the rule; saving replaces it.
    await ruleRow.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => page.getByLabel('Rule name').inputValue()).toBe(ruleName);
    expect(await page.getByLabel('Threshold').inputValue()).toBe('5');
    await page.getByLabel('Threshold').fill('7');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect
      .poll(() => textOf(ruleRow.locator('[data-condition]')), { timeout: 15_000 })
      .toContain('> 7 for 1 min');

    // A forecast rule: "disk of a host reaches 90 % within 3 days", judged by the 95 % upper bound.
    const forecastRule = `Disk fills ${tag}`;
    await page.getByLabel('Rule name').fill(forecastRule);
    await page.getByLabel('Kind').selectOption('forecast');
    await page.getByLabel('Forecast of').selectOption('DISK_PERCENT');
    // Forecast rules evaluate every few minutes: the form moved the interval into their range.
    expect(await page.getByLabel('Interval (s)').inputValue()).toBe('300');
    expect(await page.getByLabel('Metric').count()).toBe(0);
    await page.getByLabel('Threshold').fill('90');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(() => textOf(page.locator('#rule-forecastTarget-error'))).toBe('Enter the host name.');
    await page.getByLabel('Host', { exact: true }).fill(`db-${tag}`);
    await page.getByLabel('Within').selectOption('72');
    await page.getByLabel('Line').selectOption('INTERVAL_95');
    await page.getByLabel('Operator').selectOption('>=');
    // The host has no data here: treated as OK, so the alerts tab below stays empty.
    await page.getByLabel('No data').selectOption('ok');
    await page.getByRole('button', { name: 'Create rule' }).click();
    const forecastRow = page.locator(`tr[data-rule="${forecastRule}"]`);
    await forecastRow.waitFor({ timeout: 15_000 });
    expect(await textOf(forecastRow)).toContain(`Disk use (%) of host db-${tag}: 95 % bound within 72 h`);
    expect(await textOf(forecastRow.locator('[data-condition]'))).toContain('>= 90');
    // Disabling replaces the whole rule: it stays a forecast rule on the same series.
    await forecastRow.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => forecastRow.getAttribute('data-enabled'), { timeout: 15_000 }).toBe('false');
    expect(await textOf(forecastRow)).toContain(`of host db-${tag}: 95 % bound within 72 h`);
    await shot(page, 'alerts-rules');

    // Alerts and history: the tables are there (the rule has no traffic to fire on).
    await tab(page, 'Alerts and history').click();
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Current alerts' })), { timeout: 15_000 })
      .toContain('No alerts');
    await page.getByRole('table', { name: 'Alert history' }).waitFor();
    await page.getByLabel('Rule').selectOption({ label: ruleName });
    await shot(page, 'alerts-state');

    // Silences: browser checks, create, expire.
    await tab(page, 'Silences').click();
    await page.getByRole('button', { name: 'Create silence' }).click();
    await expect
      .poll(() => textOf(page.locator('#silence-matchers-error')))
      .toBe('Add at least one matcher, e.g. alertname=HighErrors.');
    const comment = `deploy ${tag}`;
    await page.getByLabel('Matchers', { exact: true }).fill(`alertname=${ruleName}\nendpoint!=/health`);
    await page.getByLabel('Comment').fill(comment);
    await page.getByRole('button', { name: 'Create silence' }).click();
    const silenceRow = page.locator(`tr[data-silence="${comment}"]`);
    await silenceRow.waitFor({ timeout: 15_000 });
    expect(await silenceRow.getAttribute('data-active')).toBe('true');
    expect(await textOf(silenceRow)).toContain(`alertname=${ruleName}, endpoint!=/health`);
    await shot(page, 'alerts-silences');
    await silenceRow.getByRole('button', { name: 'Expire' }).click();
    await silenceRow.getByRole('button', { name: 'Yes, expire' }).click();
    await expect.poll(() => silenceRow.getAttribute('data-active'), { timeout: 15_000 }).toBe('false');
    expect(await textOf(silenceRow)).toContain('Expired');
    expect(await silenceRow.getByRole('button', { name: 'Expire' }).count()).toBe(0);

    // A weekly maintenance window over every alert: days are required, then it is listed and deleted.
    const windowName = `patch night ${tag}`;
    await page.getByLabel('Window name').fill(windowName);
    await page.getByLabel('Repeats').selectOption('weekly');
    await page.getByLabel('Window starts').fill('2026-01-05T02:00');
    await page.getByLabel('Minutes').fill('90');
    await page.getByRole('button', { name: 'Add window' }).click();
    await expect.poll(() => textOf(page.locator('#window-weekdays-error'))).toBe('Choose at least one day.');
    await page.getByRole('checkbox', { name: 'Mon' }).check();
    await page.getByRole('button', { name: 'Add window' }).click();
    const windowRow = page.locator(`tr[data-window="${windowName}"]`);
    await windowRow.waitFor({ timeout: 15_000 });
    expect(await textOf(windowRow)).toContain('Weekly on Mon, 90 min');
    expect(await textOf(windowRow)).toContain('every alert');
    await shot(page, 'alerts-silences-windows');
    await windowRow.getByRole('button', { name: 'Delete' }).click();
    await windowRow.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => windowRow.count(), { timeout: 15_000 }).toBe(0);

    // A viewer of the same tenant: everything readable, nothing to press that writes.
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const viewer = { email: `viewer-${slug}@example.test`, password: pw() };
    await provisionTenant(testPrisma(), { slug, name: slug, ...viewer, role: 'viewer' });
    const viewerPage = await newPage();
    const viewerErrors = watchErrors(viewerPage);
    await signIn(viewerPage, stack.webUrl, viewer.email, viewer.password);
    await viewerPage.waitForURL(new RegExp(`/t/${slug}/requests`), { timeout: 20_000 });
    await viewerPage.goto(`${stack.webUrl}/t/${slug}/alerts`);
    await viewerPage.locator(`tr[data-rule="${ruleName}"]`).waitFor({ timeout: 15_000 });
    const writeButtons = [
      'Create rule',
      'Save rule',
      'Edit',
      'Disable',
      'Enable',
      'Delete',
      'Create silence',
      'Expire',
      'Add window',
      'Add destination',
      'Send test',
      'Rotate secret',
    ];
    const noWriteButtons = async (where: string): Promise<void> => {
      for (const label of writeButtons)
        expect(await viewerPage.getByRole('button', { name: label, exact: true }).count(), `${where}: ${label}`).toBe(
          0,
        );
    };
    await noWriteButtons('rules');
    await tab(viewerPage, 'Silences').click();
    await viewerPage.locator(`tr[data-silence="${comment}"]`).waitFor({ timeout: 15_000 });
    await noWriteButtons('silences');
    await tab(viewerPage, 'Destinations').click();
    const viewerDestination = viewerPage.locator(`tr[data-destination="${destinationName}"]`);
    await viewerDestination.waitFor({ timeout: 15_000 });
    await viewerDestination.getByRole('button', { name: 'Delivery log' }).click();
    await expect
      .poll(
        () =>
          viewerPage
            .getByRole('table', { name: `Deliveries to ${destinationName}` })
            .locator('tr[data-status="delivered"]')
            .count(),
        { timeout: 15_000 },
      )
      .toBe(1);
    await noWriteButtons('destinations');
    await shot(viewerPage, 'alerts-viewer-destinations');

    expect(errors).toEqual([]);
    expect(viewerErrors).toEqual([]);
  });
});
