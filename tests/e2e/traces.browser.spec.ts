import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { browserPerSuite } from '../kit/browser';
import { signIn, textOf, watchErrors } from '../kit/console';
import { eventually, GraphQLSession } from '../kit/graphql-client';
import '../kit/stack-info';
import { SERVICE_A, SERVICE_B, startRedis, startService } from '../kit/three-hop-chain';

/**
 * The trace view in a real browser over real eBPF rows: the chain curl → A → B → Redis is opened from the request
 * log's "Trace" link and drawn as six bars, one level deeper each; the service list highlights a service's bars,
 * hovering shows call, instance and self time, clicking highlights the span and its ancestors and opens its
 * details. The traces page finds the same trace by x-request-id.
 */
const stack = inject('stack');
const artifacts = path.join(stack.stateDir, '..', 'artifacts');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';
const BASE = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 14000);
const PORT_A = BASE + 30;
const PORT_B = BASE + 31;
const PORT_REDIS = BASE + 32;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** Runs a step; on failure keeps a screenshot and the page's text next to the other artifacts. */
async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    await shot(page, `${name}-failure`).catch(() => {});
    const text = await page
      .locator('main')
      .textContent()
      .catch(() => '');
    fs.writeFileSync(path.join(artifacts, `${name}-failure.txt`), `${page.url()}\n${text ?? ''}`);
    throw error;
  }
}

const bars = (page: Page) => page.getByRole('list', { name: 'Spans' }).getByRole('button');

async function barFacts(page: Page) {
  return bars(page).evaluateAll((els) =>
    els.map((el) => ({
      depth: Number(el.getAttribute('data-depth')),
      type: el.getAttribute('data-type'),
      service: el.getAttribute('data-service'),
      text: el.textContent ?? '',
      highlighted: el.getAttribute('data-highlighted') === 'true',
      emphasis: el.getAttribute('data-emphasis'),
      left: (el.parentElement as HTMLElement).getBoundingClientRect().left,
      top: (el.parentElement as HTMLElement).getBoundingClientRect().top,
    })),
  );
}

describe.skipIf(skipEbpf)('trace view: the three-hop chain in a real browser', () => {
  const { newPage } = browserPerSuite(artifacts, { width: 1440, height: 960 });
  const marker = `bstv${randomBytes(4).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-trace-view-'));
  let a: ChildProcess;
  let b: ChildProcess;
  let redis: ChildProcess;

  beforeAll(async () => {
    if (!stack.agentCapturing) throw new Error(`the agent is not capturing: ${stack.agentProblems.join('; ')}`);
    redis = await startRedis(dir, PORT_REDIS);
    b = await startService(dir, 'service-b', SERVICE_B, [PORT_B, PORT_REDIS]);
    a = await startService(dir, 'service-a', SERVICE_A, [PORT_A, PORT_B]);
    const out = spawnSync(
      'curl',
      ['-sS', '-H', `x-request-id: ${marker}-0`, `http://127.0.0.1:${PORT_A}/a/${marker}/0`],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(out.stdout).toBe('a:b:ok');
    // Wait until all six rows are stored, through the API the console uses.
    const session = new GraphQLSession(stack.apiUrl);
    await session.login(stack.demo.email, stack.demo.password);
    await eventually(
      async () => {
        const r = await session.request<{ requests: { edges: unknown[] } }>(
          `query($t: TimeRangeInput!, $f: RequestFilterInput) { requests(timeRange: $t, filter: $f) { edges { cursor } } }`,
          {
            t: { from: new Date(Date.now() - 600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
            f: { pathContains: marker },
          },
        );
        return r.data?.requests.edges.length ?? 0;
      },
      (n) => n >= 6,
      60_000,
    );
  }, 120_000);

  afterAll(() => {
    a?.kill();
    b?.kill();
    redis?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens the trace from the request log and explores it: nesting, services, hover, click', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, stack.demo.email, stack.demo.password);
    await page.waitForURL(/\/t\/[^/]+\/requests/, { timeout: 20_000 });
    const slug = new URL(page.url()).pathname.split('/')[2] as string;
    await page.goto(`${stack.webUrl}/t/${slug}/requests?path=${marker}&refresh=off`);
    const traceLink = page.getByRole('link', { name: `Trace of GET /b/${marker}/0` }).first();
    await step(page, 'traces-request-log', () => traceLink.waitFor({ timeout: 30_000 }));
    await shot(page, 'traces-request-log');
    await traceLink.click();
    await page.waitForURL(new RegExp(`/t/${slug}/traces\\?row=`));

    await step(page, 'traces-timeline', () => expect.poll(() => bars(page).count(), { timeout: 30_000 }).toBe(6));
    const facts = await barFacts(page);
    // y = depth: one level deeper each, drawn lower each; x = time: every child starts at or after its parent.
    expect(facts.map((f) => f.depth)).toEqual([0, 1, 2, 3, 4, 5]);
    for (let i = 1; i < facts.length; i++) {
      expect(facts[i]?.top).toBeGreaterThan(facts[i - 1]?.top as number);
    }
    expect(facts.map((f) => f.type)).toEqual(Array(6).fill('SYSTEM'));
    const texts = facts.map((f) => f.text);
    expect(texts[0]).toMatch(new RegExp(`^SGET /a/${marker}/0\\d`));
    expect(texts[2]).toContain(`GET /b/${marker}/0`);
    expect(texts[5]).toContain(`GET ${marker}:0`);
    for (const t of texts) expect(t).toMatch(/(µs|ms|s)$/);
    await shot(page, 'traces-timeline');

    // The service list: shares, and selecting one highlights its bars and dims the rest.
    const services = page.getByRole('region', { name: 'Services' }).getByRole('button');
    expect((await services.evaluateAll((els) => els.map((e) => e.getAttribute('data-service')))).sort()).toEqual([
      'curl',
      'node',
      'redis-server',
    ]);
    for (const text of await services.allTextContents()) expect(text).toMatch(/\d+(\.\d)? %|<0\.1 %/);
    await page.getByRole('region', { name: 'Services' }).locator('button[data-service="node"]').click();
    const emphasis = (await barFacts(page)).map((f) => [f.service, f.emphasis]);
    expect(emphasis.filter(([, e]) => e === 'service').map(([s]) => s)).toEqual(['node', 'node', 'node', 'node']);
    expect(emphasis.filter(([, e]) => e === 'dimmed')).toHaveLength(2);
    await shot(page, 'traces-service-selected');
    await page.getByRole('region', { name: 'Services' }).locator('button[data-service="node"]').click();

    // Hover: call, instance and self time.
    await bars(page).nth(5).hover();
    const tooltip = page.getByRole('tooltip');
    await tooltip.waitFor();
    expect(await textOf(tooltip)).toContain(`GET ${marker}:0`);
    expect(await textOf(tooltip)).toContain('redis-server (pid');
    expect(await textOf(tooltip)).toMatch(/Self time \d/);
    await shot(page, 'traces-hover');

    // Click B's server span: it and its three ancestors light up, its details open.
    await bars(page).nth(3).click();
    expect((await barFacts(page)).map((f) => f.highlighted)).toEqual([true, true, true, true, false, false]);
    expect(await bars(page).nth(3).getAttribute('aria-pressed')).toBe('true');
    const details = page.getByRole('region', { name: `S GET /b/${marker}/0` });
    await details.waitFor();
    const detailText = await textOf(details);
    for (const label of ['Self time', 'Instance', 'Client', 'Server', 'x-request-id', 'Syscall trace id', 'TCP seq']) {
      expect(detailText).toContain(label);
    }
    expect(detailText).toContain(`${marker}-0`);
    await shot(page, 'traces-span-details');
    expect(errors).toEqual([]);
  });

  it('finds the same trace by x-request-id from the traces page', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.webUrl, stack.demo.email, stack.demo.password);
    await page.waitForURL(/\/t\/[^/]+\/requests/, { timeout: 20_000 });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Traces', exact: true }).click();
    await page.getByRole('heading', { name: 'Traces', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Find trace' }).click();
    expect(await textOf(page.locator('#trace-search-error'))).toBe('Enter a trace id or an x-request-id.');
    await page.getByLabel('Trace id or x-request-id').fill(`${marker}-0`);
    await page.getByRole('button', { name: 'Find trace' }).click();
    await page.waitForURL(/\/traces\?requestId=/);
    await step(page, 'traces-search', () => expect.poll(() => bars(page).count(), { timeout: 30_000 }).toBe(6));
    expect((await barFacts(page)).map((f) => f.depth)).toEqual([0, 1, 2, 3, 4, 5]);
    // Nothing visible matches: said so, no crash.
    await page.getByLabel('Trace id or x-request-id').fill(`no-such-${marker}' OR 1=1`);
    await page.getByRole('button', { name: 'Find trace' }).click();
    await page.getByText('No trace found').waitFor({ timeout: 20_000 });
    await shot(page, 'traces-search-not-found');
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
  });
});
