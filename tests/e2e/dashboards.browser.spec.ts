import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import {
  encodeFlowBatch,
  encodeL7RequestBatch,
  type FlowRow,
  INGEST_FLOWS_PATH,
  L7Protocol,
  type L7Request,
  ResponseStatus,
  TapSide,
} from '@bathyscope/wire';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, textOf, watchErrors } from '../kit/console';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';
import '../kit/stack-info';

/**
 * The Protocols and Network pages in a real browser against the real stack: rows and flows posted through the
 * gateway for pods a file-import connector described; the owner opens both pages from the side navigation, reads
 * charts and top tables, switches protocol tabs, time range and grouping, and the choices survive a reload (URL
 * state). Screenshots are kept as artifacts.
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

const timeRange = () => ({
  from: new Date(Date.now() - 3_600_000).toISOString(),
  to: new Date(Date.now() + 120_000).toISOString(),
});

describe('protocol and network dashboards in the console', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 1000 });
  const run = randomBytes(3).toString('hex');
  const owner = new GraphQLSession(stack.apiUrl);
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let seq = Date.now();

  const post = async (rows: L7Request[]) => {
    const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${a.agent.token}` },
      body: new Uint8Array(encodeL7RequestBatch({ stream: 'dash-ui', seq: seq++, rows })),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  };
  // Like the agent: protocols other than HTTP send their request type as requestType, not as the method.
  const row = ({ method, ...over }: Partial<L7Request>): L7Request =>
    wireRow(over.path ?? '', {
      tapSide: TapSide.Client,
      clientIp: '10.64.0.1',
      namespace: 'payments',
      version: '',
      statusCode: 0,
      ...(over.protocol === undefined || over.protocol === L7Protocol.Http1
        ? { method }
        : { method: '', requestType: method }),
      ...over,
    });
  const flow = (over: Partial<FlowRow>): FlowRow => {
    // Ends now: addresses map to pods from the connector's sync on, and a row from before it has no pod.
    const end = Date.now() * 1000;
    return {
      startTimeUs: end - 1_000,
      endTimeUs: end,
      flowId: Math.floor(Math.random() * 2 ** 40),
      tapSide: TapSide.Client,
      protocol: 6,
      closeType: 1,
      pid: 42,
      processName: 'svc',
      clientIp: '10.64.0.1',
      clientPort: 41000,
      serverIp: '10.64.0.2',
      serverPort: 3306,
      bytesTx: 0,
      bytesRx: 0,
      packetsTx: 1,
      packetsRx: 1,
      retransTx: 0,
      retransRx: 0,
      zeroWinTx: 0,
      zeroWinRx: 0,
      rttUs: 0,
      connSetupUs: 0,
      newFlow: true,
      ...over,
    };
  };

  beforeAll(async () => {
    a = await createTenantWithAgent('dash-ui');
    await testPrisma().agent.update({
      where: { id: a.agent.agentId },
      data: { hostFacts: { hostname: `ui-node-${run}`, ips: ['10.64.0.1'] } },
    });
    await owner.login(a.email, a.password, a.slug);
    const csv = [
      'kind,externalId,name,parentKind,parentId,ips',
      `namespace,ns-${run},payments,,,`,
      `pod,db-${run},pay-db-${run},namespace,ns-${run},10.64.0.2`,
      `pod,web-${run},pay-web-${run},namespace,ns-${run},10.64.0.3`,
    ].join('\n');
    await ok(
      owner.request('mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }', {
        i: { kind: 'file', name: `ui ${run}`, config: { format: 'csv', content: csv }, intervalSeconds: 3600 },
      }),
    );
    await eventually(
      async () => {
        await post([row({ path: `/probe-${run}`, serverIp: '10.64.0.2' })]);
        const r = await ok(
          owner.request(
            'query($t: TimeRangeInput!, $f: RequestFilterInput) { requests(timeRange: $t, filter: $f) { edges { cursor } } }',
            { t: timeRange(), f: { pod: `pay-db-${run}` } },
          ),
        );
        return r.requests.edges.length as number;
      },
      (n) => n > 0,
      60_000,
    );
    const dns = { protocol: L7Protocol.Dns, serverIp: '10.64.0.2', serverPort: 53, method: 'A' };
    await post([
      ...Array.from({ length: 3 }, () =>
        row({ ...dns, path: `api-${run}.example.com`, endpoint: `api-${run}.example.com` }),
      ),
      row({
        ...dns,
        path: `gone-${run}.example.com`,
        endpoint: `gone-${run}.example.com`,
        statusCode: 3,
        responseStatus: ResponseStatus.ClientError,
      }),
      ...['GET', 'GET', 'SET'].map((c) =>
        row({
          protocol: L7Protocol.Redis,
          serverIp: '10.64.0.3',
          serverPort: 6379,
          method: c,
          path: `${c} k`,
          endpoint: c,
        }),
      ),
    ]);
    const res = await fetch(`${stack.ingestUrl}${INGEST_FLOWS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${a.agent.token}` },
      body: new Uint8Array(
        encodeFlowBatch({
          stream: 'dash-ui-flows',
          seq: seq++,
          rows: [
            flow({ bytesTx: 1000, bytesRx: 4000, retransTx: 3, rttUs: 400, connSetupUs: 200 }),
            flow({ serverIp: '10.64.0.3', serverPort: 8080, bytesTx: 300, bytesRx: 900, rttUs: 100, connSetupUs: 80 }),
          ],
        }),
      ),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    await eventually(
      async () =>
        (
          await ok(
            owner.request(
              'query($t: TimeRangeInput!) { networkOverview(timeRange: $t, groupBy: POD) { entities { id } } }',
              {
                t: timeRange(),
              },
            ),
          )
        ).networkOverview.entities.length as number,
      (n) => n === 2,
      30_000,
    );
  }, 180_000);

  it('shows protocol tabs with charts and top tables, and keeps tab and range in the URL', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, a.email, a.password);
    await page.waitForURL(new RegExp(`/t/${a.slug}/`), { timeout: 20_000 });

    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Protocols', exact: true }).click();
    await page.waitForURL(new RegExp(`/t/${a.slug}/protocols`));
    await page.getByRole('heading', { name: 'Protocols', level: 1 }).waitFor();
    expect(await page.getByRole('tab', { name: 'DNS' }).getAttribute('aria-selected')).toBe('true');

    const names = page.getByRole('table', { name: 'Top queried names' });
    await expect.poll(() => names.locator('tbody tr[data-key]').count(), { timeout: 20_000 }).toBe(2);
    expect(await names.locator(`tr[data-key="api-${run}.example.com"] td`).allTextContents()).toEqual([
      `api-${run}.example.com`,
      '3',
      '0',
      '0 %',
      '1.50 ms',
      '1.50 ms',
    ]);
    const nx = page.getByRole('table', { name: 'Names with NXDOMAIN or errors' });
    expect(await nx.locator(`tr[data-key="gone-${run}.example.com"] td`).allTextContents()).toContain('1');
    const nxTotal = page.locator('dl[aria-label="Totals"] > div', { hasText: 'NXDOMAIN' }).locator('dd');
    expect(await textOf(nxTotal)).toBe('1');
    // Both charts are drawn (uPlot canvases) with at least one point.
    const charts = page.locator('figure[aria-label="Requests and errors per second"], figure[aria-label="Latency"]');
    await expect.poll(() => charts.locator('canvas').count()).toBeGreaterThanOrEqual(2);
    expect(Number(await charts.first().getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    await shot(page, 'protocols-dns');

    await page.getByRole('tab', { name: 'Redis' }).click();
    await expect.poll(() => page.url()).toContain('protocol=redis');
    const commands = page.getByRole('table', { name: 'Top commands' });
    await expect
      .poll(() =>
        commands.locator('tbody tr[data-key]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))),
      )
      .toEqual(['GET', 'SET']);
    await page.getByLabel('Time range').selectOption('6h');
    await expect.poll(() => page.url()).toContain('range=6h');
    await shot(page, 'protocols-redis');

    await page.reload();
    await page.getByRole('heading', { name: 'Protocols', level: 1 }).waitFor();
    expect(await page.getByRole('tab', { name: 'Redis' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('Time range').inputValue()).toBe('6h');
    await expect.poll(() => commands.locator('tbody tr[data-key]').count(), { timeout: 20_000 }).toBe(2);
    // Arrow keys move between tabs (ARIA tabs pattern).
    await page.getByRole('tab', { name: 'Redis' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.url()).toContain('protocol=kafka');
    expect(errors).toEqual([]);
  });

  it('shows the network per pod and per host with charts and a worst-first table, grouping in the URL', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, a.email, a.password);
    await page.waitForURL(new RegExp(`/t/${a.slug}/`), { timeout: 20_000 });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Network', exact: true }).click();
    await page.waitForURL(new RegExp(`/t/${a.slug}/network`));
    await page.getByRole('heading', { name: 'Network', level: 1 }).waitFor();

    const worst = page.getByRole('table', { name: 'Worst pods' });
    await expect
      .poll(
        () =>
          worst.locator('tbody tr[data-entity]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entity'))),
        {
          timeout: 20_000,
        },
      )
      .toEqual([`pay-db-${run}`, `pay-web-${run}`]);
    const db = await worst.locator(`tr[data-entity="pay-db-${run}"] td`).allTextContents();
    expect(db.slice(0, 4)).toEqual([`pay-db-${run}`, '3.91 KiB', '1000 B', '3']);
    expect(await page.locator('figure canvas').count()).toBe(7);
    await shot(page, 'network-pods');

    await page.getByLabel('Group by').selectOption('HOST');
    await expect.poll(() => page.url()).toContain('groupBy=host');
    const hosts = page.getByRole('table', { name: 'Worst hosts' });
    // The agent's host is named once the dictionary has it (its lifetime is at most 60 s).
    await expect.poll(() => hosts.locator('tbody tr[data-entity]').count(), { timeout: 20_000 }).toBe(1);
    await page.reload();
    expect(await page.getByLabel('Group by').inputValue()).toBe('HOST');
    await hosts.locator('tbody tr[data-entity]').first().waitFor({ timeout: 20_000 });
    await shot(page, 'network-hosts');
    expect(errors).toEqual([]);
  });
});
