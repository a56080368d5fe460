import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAwsSource } from '../aws.js';
import { createNetBoxSource } from '../netbox.js';
import { generateAwsInventory } from './aws-fixtures.js';
import { startFakeAws } from './fake-aws.js';
import { generateNetBoxData, startFakeNetBox } from './fake-netbox.js';

/**
 * Benchmark of one complete list() against the loopback fakes:
 *   BENCH_N=10000 NODE_OPTIONS=--expose-gc npx vite-node apps/api/src/modules/resource-sync/sources/testing/sources-bench.ts
 * The fakes run in a child process so their XML/JSON rendering does not count against the source; the figures
 * are the source's wall time, the heap its listing holds, and the process's peak RSS.
 */

const N = Number(process.env['BENCH_N'] ?? 10_000);
const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const KEY = { accessKeyId: 'AKIABENCH', secretAccessKey: 'secret' };

async function serve(): Promise<void> {
  const aws = await startFakeAws({
    regions: { 'us-east-1': generateAwsInventory({ region: 'us-east-1', instances: N, vpcs: 4 }) },
    accessKeyIds: [KEY.accessKeyId],
  });
  const netbox = await startFakeNetBox({ token: TOKEN, data: generateNetBoxData({ devices: N }) });
  process.send?.({ aws: aws.endpoint, netbox: netbox.url });
}

async function measure(label: string, run: () => Promise<{ resources: unknown[] }>): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const listing = await run();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
  console.log(
    `${label}: ${listing.resources.length} resources in ${ms.toFixed(0)} ms (source CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), listing holds ${heapMb.toFixed(1)} MB heap, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}

async function main(): Promise<void> {
  if (process.env['BENCH_SERVE']) return serve();
  // argv[1] is the vite-node CLI; it runs this same file again as the server process.
  const child = fork(process.argv[1] as string, [fileURLToPath(import.meta.url)], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_SERVE: '1' },
  });
  const urls = await new Promise<{ aws: string; netbox: string }>((resolve) =>
    child.once('message', (m) => resolve(m as { aws: string; netbox: string })),
  );
  console.log(`RSS before listing (runtime + SDK loaded): ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
  try {
    const aws = createAwsSource({ regions: ['us-east-1'], endpoint: urls.aws }, KEY);
    const netbox = createNetBoxSource({ url: urls.netbox, pageSize: 1000 }, { token: TOKEN });
    await measure(`AWS list() warm-up, ${N} instances`, () => aws.list());
    await measure(`AWS list(), ${N} instances (10 pages of DescribeInstances)`, () => aws.list());
    await measure(`NetBox list() warm-up, ${N} devices`, () => netbox.list());
    await measure(`NetBox list(), ${N} devices + ${N} IPs + ${N} services (1000 per page)`, () => netbox.list());
  } finally {
    child.kill();
  }
}

void main();
