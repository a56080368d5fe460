import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { encodeL7RequestBatch, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signUpInBrowser, textOf, watchErrors } from '../kit/console';
import { testPrisma } from '../kit/fixtures';
import { eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';
import '../kit/stack-info';

/**
 * The service map in a real browser against the real stack: an owner's inventory (a file-import connector) and
 * agents' request-log rows through the gateway; the map draws the services and their calls, hovering a call shows
 * its RED figures, the grouping and range live in the URL, and clicking a service opens its page with RED charts,
 * its endpoints and its callers and callees.
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

describe('service map in the console', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 1000 });

  it('draws the map, shows edge metrics on hover and opens a service page with charts', async () => {
    const run = randomBytes(3).toString('hex');
    const slug = `smapui-${run}`;
    const owner = { slug, email: `${slug}@example.test`, password: `pw-${randomBytes(12).toString('hex')}` };
    const net = `10.${200 + (parseInt(run.slice(0, 2), 16) % 50)}.${parseInt(run.slice(2, 4), 16)}`;
    const ip = { fe: `${net}.1`, co: `${net}.2`, pay: `${net}.3` };

    const page = await newPage();
    const errors = watchErrors(page);
    await signUpInBrowser(page, stack.webUrl, owner);

    // Inventory and traffic, set up through the API and the gateway as connectors and agents would.
    const prisma = testPrisma();
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { slug }, select: { id: true } });
    const api = new GraphQLSession(stack.apiUrl);
    await api.login(owner.email, owner.password);
    const pod = (key: string, workload: string, podIp: string) => ({
      kind: 'pod',
      externalId: `uid-${key}-${run}`,
      name: `${workload}-0`,
      parent: { kind: 'workload', externalId: `wl-${workload}` },
      ips: [podIp],
    });
    const service = (name: string, ns: string, podKey: string) => [
      { kind: 'workload', externalId: `wl-${name}`, name, parent: { kind: 'namespace', externalId: `ns-${ns}` } },
      {
        kind: 'service',
        externalId: `svc-${name}`,
        name,
        parent: { kind: 'namespace', externalId: `ns-${ns}` },
        members: [{ kind: 'pod', externalId: `uid-${podKey}-${run}` }],
      },
    ];
    const document = [
      { kind: 'namespace', externalId: 'ns-shop', name: 'shop' },
      { kind: 'namespace', externalId: 'ns-payments', name: 'payments' },
      ...service('frontend', 'shop', 'fe'),
      ...service('checkout', 'shop', 'co'),
      ...service('pay-api', 'payments', 'pay'),
      pod('fe', 'frontend', ip.fe),
      pod('co', 'checkout', ip.co),
      pod('pay', 'pay-api', ip.pay),
    ];
    const connector = (
      await ok(
        api.request('mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }', {
          i: { kind: 'file', name: `cmdb ${run}`, config: { format: 'json', content: JSON.stringify(document) } },
        }),
      )
    ).createConnector.id as string;
    await eventually(
      async () => (await ok(api.request(`query { connector(id: "${connector}") { lastSuccessAt } }`))).connector,
      (c) => Boolean(c.lastSuccessAt),
      60_000,
    );
    const ids = Object.fromEntries(
      (
        await prisma.resource.findMany({
          where: { tenantId: tenant.id, kind: 'service', source: `connector:${connector}` },
          select: { id: true, name: true },
        })
      ).map((r) => [r.name, r.id]),
    ) as Record<string, number>;

    const { provisionAgent } = await import('@bathyscope/api/provision');
    const fe = await provisionAgent(prisma, tenant.id, 'ui-fe');
    const co = await provisionAgent(prisma, tenant.id, 'ui-co');
    const post = async (token: string, rows: L7Request[]) => {
      const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
        body: new Uint8Array(encodeL7RequestBatch({ stream: 'ui', seq: Date.now() + Math.random(), rows })),
      });
      expect(res.status).toBe(200);
    };
    const calls = (podKey: string, own: string, peer: string, endpoint: string, n: number, error = false) =>
      Array.from({ length: n }, (_, i) =>
        wireRow(`/ui-${run}`, {
          tapSide: TapSide.Client,
          pid: 7,
          processName: podKey,
          podUid: `uid-${podKey}-${run}`,
          containerId: `ctr-${podKey}-${run}`.padEnd(64, '0'),
          clientIp: own,
          serverIp: peer,
          startTimeUs: (Date.now() - 2000 + i * 10) * 1000,
          endTimeUs: (Date.now() - 2000 + i * 10) * 1000 + 3000,
          endpoint,
          responseStatus: error ? ResponseStatus.ServerError : ResponseStatus.Ok,
          statusCode: error ? 500 : 200,
        }),
      );
    const edgeId = (from: string, to: string) => `service:${ids[from]}->service:${ids[to]}`;
    // The gateway learns the inventory from the connector's announcement: post until the calls are tagged.
    await eventually(
      async () => {
        await post(fe.token, [
          ...calls('fe', ip.fe, ip.co, 'POST /checkout', 3),
          ...calls('fe', ip.fe, ip.co, 'POST /checkout', 1, true),
        ]);
        await post(co.token, calls('co', ip.co, ip.pay, 'POST /pay', 2));
        const m = (
          await ok(
            api.request('query($t: TimeRangeInput!) { serviceMap(timeRange: $t) { edges { id } } }', {
              t: {
                from: new Date(Date.now() - 900_000).toISOString(),
                to: new Date(Date.now() + 60_000).toISOString(),
              },
            }),
          )
        ).serviceMap.edges.map((e: { id: string }) => e.id);
        return m as string[];
      },
      (edges) => edges.includes(edgeId('frontend', 'checkout')) && edges.includes(edgeId('checkout', 'pay-api')),
      60_000,
    );

    // The map, through the side navigation.
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Service map', exact: true }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/services/map`));
    await page.getByRole('heading', { name: 'Service map', level: 1 }).waitFor();
    const figure = page.getByRole('figure', { name: 'Service map' });
    for (const name of ['frontend', 'checkout', 'pay-api'])
      await figure.locator(`[data-node="service:${ids[name]}"]`).waitFor({ timeout: 20_000 });
    expect(await textOf(figure.locator(`[data-node="service:${ids.checkout}"]`))).toContain('shop/checkout');
    // Calls posted before the gateway knew the inventory went to "unresolved servers"; the two tagged calls are drawn.
    for (const [from, to] of [
      ['frontend', 'checkout'],
      ['checkout', 'pay-api'],
    ])
      await figure.locator(`button[data-edge="${edgeId(from as string, to as string)}"]`).waitFor();
    await shot(page, 'service-map');

    // Hovering a call shows its figures: every attempt so far posted 3 + 1 error calls, so 25 % errors.
    await figure.locator(`button[data-edge="${edgeId('frontend', 'checkout')}"]`).hover();
    const tooltip = page.getByRole('tooltip');
    await tooltip.waitFor();
    const tip = await textOf(tooltip);
    expect(tip).toContain('shop/frontend → shop/checkout');
    expect(tip).toMatch(/Errors\s*25%/);
    expect(tip).toMatch(/Latency p50\s*3\.0 ms/);
    expect(tip).toContain('client side');
    await shot(page, 'service-map-edge-hover');
    await page.mouse.move(5, 5);
    await expect.poll(() => tooltip.count()).toBe(0);

    // Grouping and range are kept in the URL, across a reload.
    await page.getByLabel('Group by').selectOption('NAMESPACE');
    await page.waitForURL(/group=namespace/);
    await expect.poll(() => figure.locator('[data-node^="namespace:"]').count(), { timeout: 15_000 }).toBe(2);
    await page.getByLabel('Time range').selectOption('15m');
    await page.waitForURL(/range=15m/);
    await page.reload();
    await page.getByRole('heading', { name: 'Service map', level: 1 }).waitFor();
    expect(await page.getByLabel('Group by').inputValue()).toBe('NAMESPACE');
    expect(await page.getByLabel('Time range').inputValue()).toBe('15m');
    await figure.locator('[data-node^="namespace:"]').first().waitFor({ timeout: 15_000 });
    await shot(page, 'service-map-namespaces');
    await page.getByLabel('Group by').selectOption('SERVICE');
    await figure.locator(`[data-node="service:${ids.checkout}"]`).waitFor({ timeout: 15_000 });

    // A click on a service opens its page: RED charts, endpoints, callers and callees.
    await figure.locator(`.react-flow__node[data-id="service:${ids.checkout}"]`).click();
    await page.waitForURL(new RegExp(`/t/${slug}/services/${ids.checkout}\\?range=15m`));
    await page.getByRole('heading', { name: 'shop/checkout', level: 1 }).waitFor({ timeout: 15_000 });
    for (const chart of ['Request rate', 'Error rate', 'Latency']) {
      const fig = page.getByRole('figure', { name: chart });
      await fig.waitFor();
      expect(Number(await fig.getAttribute('data-points'))).toBeGreaterThan(10);
      expect(await fig.locator('canvas').count()).toBeGreaterThan(0);
    }
    expect(await textOf(page.getByRole('figure', { name: 'Latency' }).locator('[data-series="p50"]'))).not.toBe('');
    await expect
      .poll(() => textOf(page.locator('tr[data-endpoint="POST /checkout"]')), { timeout: 15_000 })
      .toContain('25%');
    const upstream = page.getByRole('region', { name: 'Upstream (callers)' });
    expect(await textOf(upstream)).toContain('shop/frontend');
    const downstream = page.getByRole('region', { name: 'Downstream (called)' });
    expect(await textOf(downstream)).toContain('payments/pay-api');
    const servicePage = page.getByRole('region', { name: 'shop/checkout' });
    expect(await servicePage.getByRole('link', { name: 'Request log' }).getAttribute('href')).toBe(
      `/t/${slug}/requests?service=checkout&namespace=shop`,
    );
    await shot(page, 'service-page');

    // Peers link to their own pages.
    await downstream.getByRole('link', { name: 'payments/pay-api' }).click();
    await page.getByRole('heading', { name: 'payments/pay-api', level: 1 }).waitFor({ timeout: 15_000 });
    await expect
      .poll(() => textOf(page.getByRole('region', { name: 'Upstream (callers)' })))
      .toContain('shop/checkout');

    // The services list, from the side navigation.
    await nav.getByRole('link', { name: 'Services', exact: true }).click();
    await page.waitForURL(new RegExp(`/t/${slug}/services$`));
    await expect.poll(() => page.locator('tr[data-service]').count(), { timeout: 15_000 }).toBe(3);
    expect(errors).toEqual([]);
  });
});
