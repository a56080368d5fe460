import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, signUpInBrowser, textOf, watchErrors } from '../kit/console';
import { testPrisma } from '../kit/fixtures';
import '../kit/stack-info';

/**
 * Resource sync in the console, in a real browser against the real stack: an owner adds a file-import connector
 * (refused first in the browser, then by the API's own import check, under the Document field), the API syncs it,
 * the row turns healthy with its counts; Test connection, Run now, Disable/Enable. The inventory finds the imported
 * resources by search, kind chips and label (filters kept in the URL across a reload), and a host's page shows its
 * parent chain, labels and IP intervals. A viewer of the same tenant browses the inventory and sees the connectors'
 * status without any action on them. The owner edits the connector (a refused interval and document under their
 * fields, Cancel, then a new name, interval and document): the row follows and the next sync lists the new host; a
 * NetBox connector's edit form leaves its stored token blank and keeps it. Deleting the connector tombstones its
 * resources ("Include deleted").
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
const pw = () => `pw-${randomBytes(12).toString('hex')}`;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

function connectorRow(page: Page, name: string): Locator {
  return page.getByRole('table', { name: 'Connectors' }).locator(`tr[data-connector="${name}"]`);
}

function resourceRows(page: Page): Locator {
  return page.getByRole('table', { name: 'Resources' }).locator('tbody tr[data-kind]');
}

async function resourceNames(page: Page): Promise<string[]> {
  return (await resourceRows(page).getByRole('link').allTextContents()).sort();
}

describe('resource sync: connectors and inventory in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 960 });

  it('adds a file connector, syncs it, browses the inventory and a resource, and a viewer reads only', async () => {
    const slug = unique('sync');
    const tag = randomBytes(3).toString('hex');
    const owner = { slug, email: `${slug}@example.test`, password: pw() };
    const name = `cmdb ${tag}`;
    const csv = [
      'kind,externalId,name,parentKind,parentId,ips,cidrs,label.team',
      `region,r-${tag},eu-${tag},,,,,`,
      `vpc,vpc-${tag},vpc-${tag},region,r-${tag},,10.77.0.0/16,`,
      `subnet,sn-${tag},subnet-${tag},vpc,vpc-${tag},,10.77.1.0/24,`,
      `host,h1-${tag},web-${tag}-1,subnet,sn-${tag},10.77.1.11,,payments`,
      `host,h2-${tag},web-${tag}-2,subnet,sn-${tag},10.77.1.12,,search`,
    ].join('\n');

    const page = await newPage();
    const errors = watchErrors(page);
    await signUpInBrowser(page, stack.webUrl, owner);

    // Connectors, through the side navigation.
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Connectors', exact: true }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/connectors`));
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Connectors' })), { timeout: 15_000 })
      .toContain('No connectors yet');

    // Refused in the browser: nothing filled, then a CSV without its required columns.
    expect(await page.getByRole('radio', { name: 'File import' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Add connector' }).click();
    await expect.poll(() => textOf(page.locator('#connector-name-error'))).toBe('Enter a name for the connector.');
    expect(await textOf(page.locator('#connector-content-error'))).toBe('Paste the document or choose a file.');
    expect(await page.getByLabel('Connector name').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Connector name').fill(name);
    await page.getByLabel('Document').fill('name,ips\nweb,10.0.0.1');
    await page.getByRole('button', { name: 'Add connector' }).click();
    await expect
      .poll(() => textOf(page.locator('#connector-content-error')))
      .toBe('The first line must name the columns; kind and externalId are missing.');

    // Refused by the API's import check (a bad address), under the same field.
    await page.getByLabel('Document').fill(`kind,externalId,ips\nhost,h-${tag},10.300.0.1`);
    await page.getByRole('button', { name: 'Add connector' }).click();
    await expect
      .poll(() => textOf(page.locator('#connector-content-error')), { timeout: 15_000 })
      .toMatch(/^Import rejected: line 2/);

    // Other kinds show their own fields.
    await page.getByRole('radio', { name: 'Kubernetes' }).check();
    await page.getByLabel('API server URL').waitFor();
    expect(await page.getByLabel('Service account token').getAttribute('type')).toBe('password');
    await page.getByRole('radio', { name: 'AWS' }).check();
    await page.getByLabel('Regions').fill('eu-west-1, moon-1');
    await page.getByRole('button', { name: 'Add connector' }).click();
    await expect
      .poll(() => textOf(page.locator('#connector-regions-error')))
      .toBe('“moon-1” is not an AWS region name (like eu-west-1).');
    await page.getByRole('radio', { name: 'NetBox' }).check();
    await page.getByLabel('NetBox URL').waitFor();
    await page.getByRole('radio', { name: 'File import' }).check();

    // The real one.
    await page.getByLabel('Connector name').fill(name);
    await page.getByLabel('Format').selectOption('csv');
    await page.getByLabel('Document').fill(csv);
    await page.getByRole('button', { name: 'Add connector' }).click();
    const row = connectorRow(page, name);
    await row.waitFor({ timeout: 15_000 });
    expect(await page.getByLabel('Document').inputValue()).toBe('');
    // Its first sync is queued at creation; the list follows it.
    await expect.poll(() => row.getAttribute('data-health'), { timeout: 30_000 }).toBe('healthy');
    await expect
      .poll(() => textOf(row.locator('[data-counts]')), { timeout: 15_000 })
      .toBe('5 seen · 5 created · 0 updated · 0 deleted');
    const rowText = await textOf(row);
    expect(rowText).toContain('File import');
    expect(rowText).toContain('Healthy');
    expect(rowText).toContain('5 min');
    expect(rowText).not.toContain('Credentials stored');

    await row.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => textOf(row.getByRole('status'))).toBe('✓ Connection OK');

    await row.getByRole('button', { name: 'Run now' }).click();
    await page.getByText(`Sync of ${name} queued.`).waitFor({ state: 'attached', timeout: 10_000 });
    // An unchanged file: everything seen again, nothing new.
    await expect
      .poll(() => textOf(row.locator('[data-counts]')), { timeout: 30_000 })
      .toBe('5 seen · 0 created · 0 updated · 0 deleted');

    await row.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => row.getAttribute('data-enabled')).toBe('false');
    expect(await textOf(row)).toContain('Disabled');
    expect(await row.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(true);
    await row.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => row.getAttribute('data-enabled')).toBe('true');
    await shot(page, 'connectors');

    // The inventory: search, kind chips, label; kept in the URL.
    await nav.getByRole('link', { name: 'Inventory', exact: true }).click();
    await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
    await page.getByLabel('Search').fill(tag);
    await expect
      .poll(() => resourceNames(page), { timeout: 15_000 })
      .toEqual([`eu-${tag}`, `subnet-${tag}`, `vpc-${tag}`, `web-${tag}-1`, `web-${tag}-2`]);
    const firstHost = resourceRows(page).filter({ hasText: `web-${tag}-1` });
    expect(await textOf(firstHost)).toContain('10.77.1.11');
    expect(await textOf(firstHost)).toContain('team=payments');
    expect(await textOf(firstHost)).toContain(name);

    const hostChip = page.getByRole('group', { name: 'Kinds' }).getByRole('button', { name: 'Host', exact: true });
    await hostChip.click();
    await expect.poll(() => resourceNames(page)).toEqual([`web-${tag}-1`, `web-${tag}-2`]);
    expect(await hostChip.getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('Label', { exact: true }).fill('team=payments');
    await page.getByLabel('Label', { exact: true }).press('Enter');
    await expect.poll(() => resourceNames(page)).toEqual([`web-${tag}-1`]);
    await expect.poll(() => page.url()).toContain(`q=${tag}&kinds=host&label=team%3Dpayments`);

    await page.reload();
    await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
    await expect.poll(() => resourceNames(page), { timeout: 15_000 }).toEqual([`web-${tag}-1`]);
    expect(await page.getByLabel('Search').inputValue()).toBe(tag);
    expect(await page.getByLabel('Label', { exact: true }).inputValue()).toBe('team=payments');
    expect(
      await page
        .getByRole('group', { name: 'Kinds' })
        .getByRole('button', { name: 'Host', exact: true })
        .getAttribute('aria-pressed'),
    ).toBe('true');
    await page.getByLabel('Label', { exact: true }).fill('bad key=x');
    await expect
      .poll(() => textOf(page.locator('#inventory-label-error')))
      .toBe('A label key has no spaces; write key=value.');
    await page.getByLabel('Label', { exact: true }).fill('');
    await expect.poll(() => resourceNames(page)).toEqual([`web-${tag}-1`, `web-${tag}-2`]);
    await shot(page, 'inventory');

    // A host's page: parent chain, labels, addresses.
    await resourceRows(page)
      .getByRole('link', { name: `web-${tag}-1` })
      .click();
    await page.getByRole('heading', { name: `web-${tag}-1`, level: 1 }).waitFor({ timeout: 15_000 });
    const chain = page.getByRole('navigation', { name: 'Parent chain' });
    await expect
      .poll(() => chain.getByRole('link').allTextContents(), { timeout: 15_000 })
      .toEqual(['Inventory', `Region eu-${tag}`, `VPC vpc-${tag}`, `Subnet subnet-${tag}`]);
    const facts = await textOf(page.getByRole('region', { name: 'Resource', exact: true }));
    expect(facts).toContain(`h1-${tag}`);
    expect(facts).toContain(name);
    expect(
      await page.getByRole('region', { name: 'Labels', exact: true }).getByRole('listitem').allTextContents(),
    ).toEqual(['team=payments']);
    const ipRows = page.getByRole('table', { name: 'IP addresses' }).locator('tbody tr');
    expect(await ipRows.count()).toBe(1);
    expect(await textOf(ipRows.first())).toContain('10.77.1.11');
    expect(await textOf(ipRows.first().locator('td').last())).toBe('now');
    await shot(page, 'inventory-resource');

    // Up the chain by its links.
    await chain.getByRole('link', { name: `VPC vpc-${tag}` }).click();
    await page.getByRole('heading', { name: `vpc-${tag}`, level: 1 }).waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.getByRole('navigation', { name: 'Parent chain' }).getByRole('link').allTextContents())
      .toEqual(['Inventory', `Region eu-${tag}`]);

    // A viewer of the same tenant: the inventory, and the connectors' status without actions or configuration.
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const viewer = { email: `viewer-${slug}@example.test`, password: pw() };
    await provisionTenant(testPrisma(), { slug, name: slug, ...viewer, role: 'viewer' });
    const viewerPage = await newPage();
    const viewerErrors = watchErrors(viewerPage);
    await signIn(viewerPage, stack.webUrl, viewer.email, viewer.password);
    await viewerPage.waitForURL(new RegExp(`/t/${slug}/requests`), { timeout: 20_000 });
    await viewerPage.goto(`${stack.webUrl}/t/${slug}/inventory?q=${tag}&kinds=host`);
    await expect.poll(() => resourceNames(viewerPage), { timeout: 15_000 }).toEqual([`web-${tag}-1`, `web-${tag}-2`]);
    expect(await viewerPage.getByRole('link', { name: 'Connectors', exact: true }).count()).toBe(1); // the nav only
    await viewerPage.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Connectors' }).click();
    await viewerPage
      .getByText('You can see how the connectors sync; adding or changing them needs the admin role.')
      .waitFor({ timeout: 15_000 });
    const viewerRow = connectorRow(viewerPage, name);
    await viewerRow.waitFor({ timeout: 15_000 });
    expect(await textOf(viewerRow)).toContain(name);
    for (const label of ['Add connector', 'Edit', 'Test connection', 'Run now', 'Disable', 'Delete']) {
      expect(await viewerPage.getByRole('button', { name: label, exact: true }).count(), label).toBe(0);
    }
    await shot(viewerPage, 'connectors-viewer');

    // Editing the connector: its kind fixed, its values prefilled; refused values under their fields.
    await page.goto(`${stack.webUrl}/t/${slug}/connectors`);
    await row.waitFor({ timeout: 15_000 });
    await row.getByRole('button', { name: 'Edit', exact: true }).click();
    const editForm = page.getByRole('form', { name: `Edit connector ${name}` });
    await editForm.waitFor();
    expect(await page.getByRole('button', { name: 'Add connector' }).count()).toBe(0);
    expect(await editForm.getByRole('radio').count()).toBe(0);
    expect(await textOf(editForm)).toContain('Kind: File import');
    expect(await editForm.getByLabel('Connector name').inputValue()).toBe(name);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('connector-name');
    expect(await editForm.getByLabel('Sync every (s)').inputValue()).toBe('300');
    expect(await editForm.getByLabel('Document').inputValue()).toBe(csv);
    expect(await editForm.getByLabel('Format').inputValue()).toBe('csv');
    await editForm.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => textOf(editForm.getByRole('status'))).toBe('Nothing changed; there is nothing to save.');

    await editForm.getByLabel('Sync every (s)').fill('5');
    await editForm.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => textOf(editForm.locator('#connector-interval-error')))
      .toBe('Enter whole seconds from 30 to 86,400.');
    expect(await editForm.getByLabel('Sync every (s)').getAttribute('aria-invalid')).toBe('true');
    await editForm.getByLabel('Sync every (s)').fill('600');
    // Refused by the API's import check, shown under the document as in the add form.
    await editForm.getByLabel('Document').fill(`${csv}\nhost,bad-${tag},bad,,,10.300.0.1,,`);
    await editForm.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => textOf(editForm.locator('#connector-content-error')), { timeout: 15_000 })
      .toMatch(/^Import rejected: line 7/);
    await shot(page, 'connector-edit');

    // Cancel leaves the connector as it was and brings "Add connector" back.
    await editForm.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Add connector' }).waitFor();
    expect(await editForm.count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Edit'); // back on the row's button
    expect(await textOf(row)).toContain('5 min');

    // The real edit: a new name, interval and document (one more host); the row follows.
    const renamed = `${name} v2`;
    const csvWithThirdHost = `${csv}\nhost,h3-${tag},web-${tag}-3,subnet,sn-${tag},10.77.1.13,,payments`;
    await row.getByRole('button', { name: 'Edit', exact: true }).click();
    await editForm.waitFor();
    expect(await editForm.getByLabel('Sync every (s)').inputValue()).toBe('300');
    await editForm.getByLabel('Connector name').fill(renamed);
    await editForm.getByLabel('Sync every (s)').fill('600');
    await editForm.getByLabel('Document').fill(csvWithThirdHost);
    await editForm.getByRole('button', { name: 'Save' }).click();
    const renamedRow = connectorRow(page, renamed);
    await renamedRow.waitFor({ timeout: 15_000 });
    await page.getByText(`Connector ${renamed} saved.`).waitFor({ state: 'attached', timeout: 10_000 });
    await page.getByRole('button', { name: 'Add connector' }).waitFor();
    expect(await row.count()).toBe(0);
    expect(await textOf(renamedRow)).toContain('10 min');

    // The next sync reads the new document: six seen, the third host listed under the new name.
    await renamedRow.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => textOf(renamedRow.locator('[data-counts]')), { timeout: 30_000 }).toMatch(/^6 seen · /);
    await page.goto(`${stack.webUrl}/t/${slug}/inventory?q=${tag}&kinds=host`);
    await expect
      .poll(() => resourceNames(page), { timeout: 15_000 })
      .toEqual([`web-${tag}-1`, `web-${tag}-2`, `web-${tag}-3`]);
    // The source's name comes with the connector names, after the rows.
    await expect
      .poll(() => textOf(resourceRows(page).filter({ hasText: `web-${tag}-3` })), { timeout: 15_000 })
      .toContain(renamed);

    // A connector with a stored secret: the form leaves it blank and says blank keeps it; a new URL alone is sent.
    const netboxName = `netbox ${tag}`;
    await page.goto(`${stack.webUrl}/t/${slug}/connectors`);
    await page.getByRole('radio', { name: 'NetBox' }).check();
    await page.getByLabel('Connector name').fill(netboxName);
    await page.getByLabel('Enabled').uncheck();
    await page.getByLabel('NetBox URL').fill('http://127.0.0.1:9/old');
    await page.getByLabel('API token').fill('0123456789abcdef');
    await page.getByRole('button', { name: 'Add connector' }).click();
    const netboxRow = connectorRow(page, netboxName);
    await netboxRow.waitFor({ timeout: 15_000 });
    expect(await textOf(netboxRow)).toContain('Credentials stored');
    await netboxRow.getByRole('button', { name: 'Edit', exact: true }).click();
    const netboxForm = page.getByRole('form', { name: `Edit connector ${netboxName}` });
    await netboxForm.waitFor();
    expect(await netboxForm.getByLabel('NetBox URL').inputValue()).toBe('http://127.0.0.1:9/old');
    expect(await netboxForm.getByLabel('API token').inputValue()).toBe('');
    expect(await textOf(netboxForm.locator('#connector-token-hint'))).toBe('Leave blank to keep the stored secret.');
    expect(await netboxForm.getByLabel('Enabled').isChecked()).toBe(false);
    await netboxForm.getByLabel('API token').fill('short');
    await netboxForm.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => textOf(netboxForm.locator('#connector-token-error')))
      .toBe('Enter the NetBox API token (8 to 256 characters, no spaces).');
    await netboxForm.getByLabel('API token').fill('');
    // A rename onto another connector's name is named under the field.
    await netboxForm.getByLabel('Connector name').fill(renamed);
    await netboxForm.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => textOf(netboxForm.locator('#connector-name-error')))
      .toBe(`A connector named ${renamed} exists.`);
    await netboxForm.getByLabel('Connector name').fill(netboxName);
    await netboxForm.getByLabel('NetBox URL').fill('http://127.0.0.1:9/new');
    await netboxForm.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => textOf(netboxRow), { timeout: 15_000 }).toContain('http://127.0.0.1:9/new');
    expect(await textOf(netboxRow)).toContain('Credentials stored');
    expect(await netboxRow.getAttribute('data-enabled')).toBe('false');
    const stored = await testPrisma().connector.findFirstOrThrow({ where: { name: netboxName } });
    expect(stored.config).toEqual({ url: 'http://127.0.0.1:9/new' });
    expect(stored.credentials).not.toBeNull();

    // Deleting the connector tombstones what it listed.
    await renamedRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await renamedRow.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => renamedRow.count(), { timeout: 15_000 }).toBe(0);
    await page.goto(`${stack.webUrl}/t/${slug}/inventory?q=${tag}`);
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Resources' })), { timeout: 15_000 })
      .toContain('No resources match the filters');
    await page.getByLabel('Include deleted').check();
    await expect.poll(() => resourceRows(page).count(), { timeout: 15_000 }).toBe(6);
    expect(await page.locator('tr[data-deleted="true"]').count()).toBe(6);
    await expect.poll(() => page.url()).toContain('deleted=1');

    expect(errors).toEqual([]);
    expect(viewerErrors).toEqual([]);
  });
});
