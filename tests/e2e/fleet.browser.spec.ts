import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requestAccessToken } from '@bathyscope/agent/dist/credentials';
import type { AgentCheckinStatus } from '@bathyscope/wire';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, signUpInBrowser, textOf, watchErrors } from '../kit/console';
import { testPrisma } from '../kit/fixtures';
import '../kit/stack-info';

/**
 * The fleet in the console, in a real browser against the real stack: an owner adds an agent (enrollment token,
 * the three install paths, copy and download), a host enrolls with the token read off the page and checks in, and
 * the owner follows it in the fleet list and on its page, moves and labels it, configures its group (saved,
 * refused, rolled back), revokes and deletes it. A viewer of the same tenant sees everything and can change nothing.
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
const pw = () => `pw-${randomBytes(12).toString('hex')}`;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** A host that enrolls over HTTP with a token, as `bathyscope-agent enroll` does, and checks in as the agent does. */
class FakeHost {
  readonly machineId = randomBytes(16).toString('hex');
  private readonly keys = generateKeyPairSync('ed25519');
  agentId = 0;
  private accessToken = '';

  constructor(readonly hostname: string) {}

  /** POST /v1/enroll; answers the HTTP status and the error code of a refusal. */
  async tryEnroll(token: string): Promise<{ status: number; code?: string }> {
    const res = await fetch(`${stack.ingestUrl}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token,
        publicKey: this.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        facts: {
          hostname: this.hostname,
          machineId: this.machineId,
          kernel: '6.8.0-fleet',
          ips: ['10.20.30.40', 'fd00::7'],
          btf: true,
          capabilities: ['cap_bpf', 'cap_perfmon'],
          cgroupVersion: 2,
          agentVersion: '0.1.0',
        },
      }),
    });
    const body = (await res.json()) as { agentId: number; error?: { code: string } };
    if (res.status !== 200) return { status: res.status, code: body.error?.code };
    this.agentId = body.agentId;
    this.accessToken = (
      await requestAccessToken(stack.ingestUrl, this.agentId, this.keys.privateKey as KeyObject)
    ).accessToken;
    return { status: res.status };
  }

  async enroll(token: string): Promise<void> {
    expect(await this.tryEnroll(token)).toEqual({ status: 200 });
  }

  /** One check-in reporting `configVersion`; answers the HTTP status and the configuration version served. */
  async checkin(configVersion: number, configError: string | null = null) {
    const status: AgentCheckinStatus = {
      version: '0.1.0',
      hostname: this.hostname,
      state: 'running',
      configVersion,
      configError,
      capabilities: {
        ok: true,
        kernel: '6.8.0-fleet',
        btf: true,
        tracefs: true,
        programs: ['tracepoint/syscalls/sys_enter_read', 'tracepoint/sock/inet_sock_set_state'],
        problems: [],
      },
      resources: { cpuPercent: 2.5, rssBytes: 50 * 1024 * 1024 },
      counters: { 'ebpf.dropped': 3, 'shipper.rows_pending': 1234, 'shipper.rows_shipped': 5678 },
    };
    const res = await fetch(`${stack.ingestUrl}/v1/agent/checkin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.accessToken}` },
      body: JSON.stringify(status),
    });
    const body = res.status === 200 ? ((await res.json()) as { configVersion: number }) : null;
    return { status: res.status, served: body?.configVersion ?? null };
  }

  /** Checks in until the gateway serves `version` (its caches take a few seconds), then reports running it. */
  async adopt(version: number): Promise<void> {
    await expect
      .poll(async () => (await this.checkin(version)).served, { timeout: 15_000, interval: 500 })
      .toBe(version);
  }
}

/** The row of an agent in the fleet list. */
function fleetRow(page: Page, name: string): Locator {
  return page
    .getByRole('table', { name: 'Agents' })
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name }) });
}

/** A fact on the agent page: the value next to its term, inside a card. */
function fact(page: Page, card: string, term: string): Locator {
  return page
    .getByRole('region', { name: card })
    .locator('dt', { hasText: new RegExp(`^${term}$`) })
    .locator('xpath=following-sibling::dd[1]');
}

describe('fleet: add agent, fleet list, agent page and group configuration in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 960 });

  it('adds an agent with a token, follows, moves, labels, configures, revokes and deletes it', async () => {
    const slug = unique('fleet');
    const owner = { slug, email: `${slug}@example.test`, password: pw() };
    const host = new FakeHost(`web-${randomBytes(3).toString('hex')}`);

    const page = await newPage();
    const errors = watchErrors(page);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.webUrl });
    await signUpInBrowser(page, stack.webUrl, owner);

    // Agents → Agent groups: two groups.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Agents' })), { timeout: 15_000 })
      .toContain('No agents yet');
    await page.getByRole('link', { name: 'Agent groups' }).click();
    await page.getByRole('heading', { name: 'Agent groups', level: 1 }).waitFor();
    const groupsTable = page.getByRole('table', { name: 'Agent groups' });
    await expect.poll(() => textOf(groupsTable), { timeout: 15_000 }).toContain('No agent groups yet');
    await page.getByLabel('Group name').fill('web servers');
    await page.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => page.getByLabel('Group name').getAttribute('aria-invalid')).toBe('true');
    for (const name of ['web', 'canary']) {
      await page.getByLabel('Group name').fill(name);
      await page.getByRole('button', { name: 'Create group' }).click();
      await expect.poll(() => groupsTable.locator(`tr[data-group="${name}"]`).count(), { timeout: 10_000 }).toBe(1);
    }
    expect(await textOf(groupsTable.locator('tr[data-group="web"]'))).toContain('Defaults');

    // Add agent: a token for the group "web", at most 5 hosts.
    await page.getByRole('link', { name: 'Back to agents' }).click();
    await page.getByRole('link', { name: 'Add agent' }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/agents/add`));
    await page.getByRole('heading', { name: 'Add agent', level: 1 }).waitFor();
    const tokens = page.getByRole('table', { name: 'Enrollment tokens' });
    await expect.poll(() => textOf(tokens), { timeout: 15_000 }).toContain('No enrollment tokens yet');
    await expect
      .poll(() => page.getByLabel('Agent group').locator('option').allTextContents())
      .toEqual(['No group', 'canary', 'web']);
    await page.getByLabel('Agent group').selectOption({ label: 'web' });
    await page.getByLabel('Token name').fill('web nodes');
    await page.getByLabel('Expires in').selectOption({ label: '7 days' });
    await page.getByLabel('Max uses').fill('zero');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.getByLabel('Max uses').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Max uses').fill('5');
    await page.getByRole('button', { name: 'Create token' }).click();

    // The token, once, and three ways to install with it.
    const install = page.getByRole('region', { name: 'Install the agent' });
    await install.waitFor({ timeout: 15_000 });
    const token = await install.getByLabel('Enrollment token').inputValue();
    expect(token).toMatch(/^bset_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await textOf(install)).toContain('not shown again');
    await install.getByRole('button', { name: 'Copy token' }).click();
    await install.getByText('Token copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

    const tabs = install.getByRole('tablist', { name: 'Install method' });
    expect(await tabs.getByRole('tab').allTextContents()).toEqual(['Install script', 'Agent CLI', 'Kubernetes']);
    expect(await tabs.getByRole('tab', { name: 'Install script' }).getAttribute('aria-selected')).toBe('true');
    let panel = install.getByRole('tabpanel', { name: 'Install script' });
    const script = await textOf(panel.getByRole('figure', { name: 'Install command' }));
    expect(script).toContain('/install.sh');
    expect(script).toContain(`--token ${token}`);
    expect(await textOf(panel)).toContain('kernel 5.8 or newer');
    await panel.getByRole('button', { name: 'Copy install command' }).click();
    await panel.getByText('Install command copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(script);
    await shot(page, 'add-agent-script');

    await tabs.getByRole('tab', { name: 'Agent CLI' }).click();
    panel = install.getByRole('tabpanel', { name: 'Agent CLI' });
    const cli = await textOf(panel.getByRole('figure', { name: 'CLI command' }));
    expect(cli).toContain(`bathyscope-agent enroll --token ${token} --server ${stack.ingestUrl}`);
    await panel.getByRole('button', { name: 'Copy CLI command' }).click();
    await panel.getByText('CLI command copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(cli);

    // Arrow keys move between tabs too.
    await tabs.getByRole('tab', { name: 'Agent CLI' }).press('ArrowRight');
    panel = install.getByRole('tabpanel', { name: 'Kubernetes' });
    const manifest = await textOf(panel.getByRole('figure', { name: 'DaemonSet manifest' }));
    expect(manifest).toContain('kind: DaemonSet');
    expect(manifest).toContain('kind: Secret');
    await panel.getByRole('button', { name: 'Copy manifest' }).click();
    await panel.getByText('Manifest copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(manifest);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('link', { name: 'Download manifest' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('bathyscope-agent.yaml');
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe(manifest);
    await shot(page, 'add-agent-kubernetes');

    // Listed with its group and limit; the secret is nowhere else on the page once dismissed.
    const tokenRow = tokens.getByRole('row').filter({ hasText: 'web nodes' });
    await expect.poll(() => tokenRow.count(), { timeout: 10_000 }).toBe(1);
    expect(await tokenRow.getAttribute('data-status')).toBe('active');
    const listed = await textOf(tokenRow);
    for (const words of ['web', 'Active', '0 / 5', owner.email]) expect(listed).toContain(words);
    await install.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => install.count()).toBe(0);
    expect(await page.content()).not.toContain(token);

    // A second token, revoked with a confirmation.
    await page.getByLabel('Agent group').selectOption({ label: 'No group' });
    await page.getByLabel('Token name').fill('short lived');
    await page.getByLabel('Max uses').fill('');
    await page.getByRole('button', { name: 'Create token' }).click();
    await install.waitFor({ timeout: 15_000 });
    const revokedToken = await install.getByLabel('Enrollment token').inputValue();
    await install.getByRole('button', { name: 'Done' }).click();
    const shortRow = tokens.getByRole('row').filter({ hasText: 'short lived' });
    await expect.poll(() => textOf(shortRow), { timeout: 10_000 }).toContain('0 / ∞');
    await shortRow.getByRole('button', { name: 'Revoke', exact: true }).click();
    await shortRow.getByRole('button', { name: 'Cancel' }).click();
    expect(await shortRow.getAttribute('data-status')).toBe('active');
    await shortRow.getByRole('button', { name: 'Revoke', exact: true }).click();
    await shortRow.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => shortRow.getAttribute('data-status'), { timeout: 10_000 }).toBe('revoked');
    expect(await textOf(shortRow)).toContain('Revoked');
    expect(await shortRow.getByRole('button', { name: 'Revoke', exact: true }).count()).toBe(0);
    expect(await new FakeHost('never-enrolled').tryEnroll(revokedToken)).toEqual({
      status: 403,
      code: 'TOKEN_REVOKED',
    });

    // A host enrolls with the token read off the page: one use spent, the agent in the group "web".
    await host.enroll(token);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => textOf(tokenRow), { timeout: 10_000 }).toContain('1 / 5');
    await shot(page, 'add-agent-tokens');

    // The fleet: never seen until it checks in; filters by state and group.
    await page.getByRole('link', { name: 'Back to agents' }).click();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    const row = fleetRow(page, host.hostname);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('NEVER_SEEN');
    expect(await textOf(row.locator('td').nth(2))).toBe('web');
    await host.adopt(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('ONLINE');
    const online = await textOf(row);
    for (const words of ['Online', 'OK', '6.8.0-fleet', 'v0', '50.0 MiB']) expect(online).toContain(words);
    await page.getByLabel('State', { exact: true }).selectOption('OFFLINE');
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Agents' })))
      .toContain('No agents match the filters');
    expect(page.url()).toContain('state=OFFLINE');
    await page.getByRole('button', { name: 'Show all agents' }).click();
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'canary' });
    await expect.poll(() => row.count()).toBe(0);
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'web' });
    await expect.poll(() => row.count()).toBe(1);
    await page.reload();
    await expect.poll(() => page.getByLabel('Group', { exact: true }).inputValue(), { timeout: 15_000 }).not.toBe('');
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await shot(page, 'fleet');

    // The agent's page: host facts, health, configuration, counters.
    await row.getByRole('link', { name: host.hostname }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/agents/${host.agentId}$`));
    await page.getByRole('heading', { name: host.hostname, level: 1 }).waitFor();
    await expect.poll(() => textOf(fact(page, 'Host', 'Machine ID')), { timeout: 15_000 }).toBe(host.machineId);
    expect(await textOf(fact(page, 'Host', 'IP addresses'))).toBe('10.20.30.40, fd00::7');
    expect(await textOf(fact(page, 'Host', 'Capabilities'))).toBe('cap_bpf, cap_perfmon');
    expect(await textOf(fact(page, 'Health', 'State'))).toContain('Online');
    expect(await textOf(fact(page, 'Health', 'Agent CPU'))).toBe('2.5 % of a core');
    expect(await textOf(fact(page, 'Health', 'Spooled rows'))).toBe('1,234');
    expect(
      await page.getByRole('list', { name: 'Attached eBPF programs' }).getByRole('listitem').allTextContents(),
    ).toEqual(['tracepoint/syscalls/sys_enter_read', 'tracepoint/sock/inet_sock_set_state']);
    expect(await textOf(fact(page, 'Configuration', 'Group'))).toBe('web');
    expect(await textOf(fact(page, 'Configuration', 'Applied'))).toBe('v0 (defaults)');
    expect(await textOf(fact(page, 'Configuration', 'Ingest gateway'))).toBe(stack.ingestUrl);
    expect(await textOf(fact(page, 'Enrollment', 'Enrolled'))).not.toBe('—');
    expect(await textOf(page.getByRole('table', { name: 'Counters' }))).toContain('ebpf.dropped');

    // Moved to "canary" and labelled.
    await page.getByLabel('Agent group').selectOption({ label: 'canary' });
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await expect.poll(() => textOf(fact(page, 'Configuration', 'Group')), { timeout: 10_000 }).toBe('canary');
    await page.getByLabel('Labels').fill('team=payments\nnot a label');
    await page.getByRole('button', { name: 'Save labels' }).click();
    await expect.poll(() => textOf(page.locator('#agent-labels-error'))).toContain('"not a label" is not a label');
    await page.getByLabel('Labels').fill('team=payments\ntier=web');
    await page.getByRole('button', { name: 'Save labels' }).click();
    await expect
      .poll(() => page.getByRole('button', { name: 'Save labels' }).isDisabled(), { timeout: 10_000 })
      .toBe(true);
    await shot(page, 'agent-detail');

    // The group's configuration: refused before sending, saved, saved again, rolled back.
    await fact(page, 'Configuration', 'Group').getByRole('link', { name: 'canary' }).click();
    await page.getByRole('heading', { name: 'canary', level: 1 }).waitFor();
    const history = page.getByRole('table', { name: 'Configuration history' });
    await expect.poll(() => history.locator('tr[data-version]').count(), { timeout: 15_000 }).toBe(1);
    expect(await textOf(page.locator('p[data-version="0"]'))).toContain('Built-in defaults (v0)');
    await expect.poll(() => page.getByLabel('Sampling rate').inputValue()).toBe('1');
    expect(await page.getByRole('button', { name: 'Save configuration' }).isDisabled()).toBe(true);
    await page.getByLabel('Sampling rate').fill('1.5');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await expect.poll(() => page.getByLabel('Sampling rate').getAttribute('aria-invalid')).toBe('true');
    expect(await textOf(page.locator('#config-l7Rate-error'))).toContain('0 to 1');
    await page.getByRole('alert').filter({ hasText: 'Could not save the configuration.' }).waitFor();
    await page.getByLabel('Sampling rate').fill('0.5');
    await page.getByLabel('Server ports').fill('8080, 9090');
    expect(await page.getByRole('list', { name: 'Changes to save' }).getByRole('listitem').allTextContents()).toEqual([
      'protocols.http1.ports: [] → [8080,9090]',
      'sampling.l7Rate: 1 → 0.5',
    ]);
    await page.getByLabel('Comment').fill('half sampling on canaries');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await expect.poll(() => history.locator('tr[data-version]').count(), { timeout: 10_000 }).toBe(2);
    const v1 = history.locator('tr[data-version="1"]');
    expect(await v1.getAttribute('data-current')).toBe('true');
    for (const words of ['half sampling on canaries', owner.email, 'Current'])
      expect(await textOf(v1)).toContain(words);
    expect(await page.getByLabel('Comment').inputValue()).toBe('');
    await page.getByLabel('Check-in interval (s)').fill('15');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await expect
      .poll(() => history.locator('tr[data-version="2"]').getAttribute('data-current'), {
        timeout: 10_000,
      })
      .toBe('true');
    await v1.getByRole('button', { name: 'Show' }).click();
    expect(await textOf(page.getByRole('figure', { name: 'Configuration v1' }))).toContain('"l7Rate": 0.5');
    await v1.getByRole('button', { name: 'Roll back' }).click();
    await v1.getByRole('button', { name: 'Yes, roll back' }).click();
    const v3 = history.locator('tr[data-version="3"]');
    await expect.poll(() => v3.getAttribute('data-current'), { timeout: 10_000 }).toBe('true');
    expect(await textOf(v3)).toContain('rollback to version 1');
    expect(await page.getByLabel('Check-in interval (s)').inputValue()).toBe('30');
    expect(await page.getByLabel('Sampling rate').inputValue()).toBe('0.5');
    expect(await textOf(history.locator('tr[data-version="0"]'))).toContain('Built in');
    await shot(page, 'group-config');

    // The agent is behind its group until it applies v3; the fleet says so.
    await page.getByRole('link', { name: 'Agents', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await page.getByLabel('Group', { exact: true }).selectOption('');
    await expect.poll(() => textOf(row), { timeout: 15_000 }).toContain('v0 → v3');
    expect(await textOf(row)).toContain('Out of date');
    expect(
      await row
        .getByRole('list', { name: `Labels of ${host.hostname}` })
        .getByRole('listitem')
        .allTextContents(),
    ).toEqual(['team=payments', 'tier=web']);
    await host.adopt(3);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(async () => (await textOf(row)).includes('Out of date'), { timeout: 15_000 }).toBe(false);
    expect(await row.locator('[data-config]').getAttribute('data-config')).toBe('current');

    // Revoked: the page says so and the gateway refuses the agent within 10 s.
    await row.getByRole('link', { name: host.hostname }).click();
    await page.getByRole('heading', { name: host.hostname, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Revoke agent' }).click();
    expect(await textOf(page.getByRole('group', { name: /Revoke the agent\?/ }))).toContain('within 10 s');
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page
      .getByText('The gateway refuses its data and issues it no new access token.')
      .waitFor({ timeout: 10_000 });
    expect(await textOf(fact(page, 'Health', 'State'))).toContain('Revoked');
    await expect.poll(async () => (await host.checkin(3)).status, { timeout: 10_000, interval: 500 }).toBe(403);

    // Deleted: back to the fleet, gone from it and from the database.
    await page.getByRole('button', { name: 'Delete agent' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/agents$`), { timeout: 10_000 });
    await expect
      .poll(() => textOf(page.getByRole('table', { name: 'Agents' })), { timeout: 15_000 })
      .toContain('No agents yet');
    expect(await testPrisma().agent.findUnique({ where: { id: host.agentId } })).toBeNull();
    await page.goto(`${stack.webUrl}/t/${slug}/agents/${host.agentId}`);
    await page.getByRole('heading', { name: 'Agent not found', level: 1 }).waitFor({ timeout: 15_000 });

    expect(errors).toEqual([]);
  });

  it('shows the local agent of the global setup on its own page', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, stack.demo.email, stack.demo.password);
    await page.waitForURL(/\/t\/demo\/requests/, { timeout: 20_000 });
    await page.goto(`${stack.webUrl}/t/demo/agents`);
    const table = page.getByRole('table', { name: 'Agents' });
    const link = table.getByRole('link').first();
    await link.waitFor({ timeout: 15_000 });
    const name = await textOf(link);
    await link.click();
    await page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 15_000 });
    // The agent checks in every few seconds whether or not eBPF works on this machine.
    await expect.poll(() => textOf(fact(page, 'Health', 'Last seen')), { timeout: 30_000 }).not.toBe('Never');
    expect(await textOf(fact(page, 'Configuration', 'Desired'))).toMatch(/^v\d+/);
    if (stack.agentCapturing) {
      expect(await textOf(fact(page, 'Health', 'eBPF capture'))).toBe('OK');
      await expect
        .poll(() => page.getByRole('list', { name: 'Attached eBPF programs' }).getByRole('listitem').count(), {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
    }
    await shot(page, 'agent-detail-local');
    expect(errors).toEqual([]);
  });

  it('lets a viewer see the fleet and group configuration but change nothing', async () => {
    const slug = unique('fleetv');
    const owner = { slug, email: `${slug}@example.test`, password: pw() };
    const ownerPage = await newPage();
    const ownerErrors = watchErrors(ownerPage);
    await signUpInBrowser(ownerPage, stack.webUrl, owner);

    // The owner makes a group and a token; a host enrolls into the group.
    await ownerPage.goto(`${stack.webUrl}/t/${slug}/agents/groups`);
    await ownerPage.getByLabel('Group name').fill('edge');
    await ownerPage.getByRole('button', { name: 'Create group' }).click();
    const groupLink = ownerPage
      .getByRole('table', { name: 'Agent groups' })
      .getByRole('link', { name: 'edge', exact: true });
    await groupLink.waitFor({ timeout: 10_000 });
    const groupPath = new URL((await groupLink.getAttribute('href')) as string, stack.webUrl).pathname;
    await ownerPage.goto(`${stack.webUrl}/t/${slug}/agents/add`);
    await expect
      .poll(() => ownerPage.getByLabel('Agent group').locator('option').allTextContents(), {
        timeout: 15_000,
      })
      .toContain('edge');
    await ownerPage.getByLabel('Agent group').selectOption({ label: 'edge' });
    await ownerPage.getByLabel('Token name').fill('edge nodes');
    await ownerPage.getByRole('button', { name: 'Create token' }).click();
    const token = await ownerPage
      .getByRole('region', { name: 'Install the agent' })
      .getByLabel('Enrollment token')
      .inputValue({ timeout: 15_000 });
    const host = new FakeHost(`edge-${randomBytes(3).toString('hex')}`);
    await host.enroll(token);

    // A viewer of the same tenant.
    const { provisionTenant } = await import('@bathyscope/api/provision');
    const viewer = { email: `viewer-${slug}@example.test`, password: pw() };
    await provisionTenant(testPrisma(), { slug, name: slug, ...viewer, role: 'viewer' });
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, viewer.email, viewer.password);
    await page.waitForURL(new RegExp(`/t/${slug}/requests`), { timeout: 20_000 });

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Agents' }).click();
    const row = fleetRow(page, host.hostname);
    await row.waitFor({ timeout: 15_000 });
    expect(await page.getByRole('link', { name: 'Add agent' }).count()).toBe(0);
    expect(await textOf(page.getByRole('table', { name: 'Agents' }))).toContain('edge');

    await row.getByRole('link', { name: host.hostname }).click();
    await page.getByRole('heading', { name: host.hostname, level: 1 }).waitFor();
    await page.getByText('You need the editor role to move, label or revoke agents.').waitFor();
    await expect.poll(() => textOf(fact(page, 'Host', 'Machine ID')), { timeout: 15_000 }).toBe(host.machineId);
    for (const name of ['Move', 'Save labels', 'Revoke agent', 'Delete agent']) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    }

    await page.goto(`${stack.webUrl}${groupPath}`);
    await page.getByRole('heading', { name: 'edge', level: 1 }).waitFor({ timeout: 15_000 });
    await page.getByText('You need the editor role to change agent configuration.').waitFor();
    await expect.poll(() => page.getByLabel('Sampling rate').inputValue(), { timeout: 15_000 }).toBe('1');
    expect(await page.getByLabel('Sampling rate').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save configuration' }).count()).toBe(0);
    await expect
      .poll(() => page.getByRole('table', { name: 'Configuration history' }).locator('tr[data-version]').count())
      .toBe(1);
    expect(await page.getByRole('button', { name: 'Roll back' }).count()).toBe(0);

    await page.goto(`${stack.webUrl}/t/${slug}/agents/groups`);
    await page.getByText('You need the editor role to create or delete agent groups.').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('button', { name: 'Create group' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);

    await page.goto(`${stack.webUrl}/t/${slug}/agents/add`);
    await page.getByText('You need the admin role to enroll agents.').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('button', { name: 'Create token' }).count()).toBe(0);
    expect(await page.getByRole('table', { name: 'Enrollment tokens' }).count()).toBe(0);
    await shot(page, 'fleet-viewer');

    expect(errors).toEqual([]);
    expect(ownerErrors).toEqual([]);
  });
});
