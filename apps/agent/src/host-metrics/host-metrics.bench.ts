import { bench, describe } from 'vitest';
import { ProcessIdentityCache } from '../identity/process-identity-cache';
import { HostMetricsCollector } from './host-metrics-collector';

// The agent's cost of host metrics: one collection (every 10 s by default) reads ~9 /proc files, lists /proc and
// statfs()es the real filesystems; the identity lookup runs for every request-log row.
// `npx vitest bench --project unit apps/agent/src/host-metrics/host-metrics.bench.ts --run`
describe('host metrics collection', () => {
  const collector = new HostMetricsCollector();
  bench('collect() on this machine’s /proc', async () => {
    await collector.collect();
  });
});

describe('process identity per request-log row', () => {
  const cache = new ProcessIdentityCache();
  cache.lookup(process.pid);
  bench('lookup, cached', () => {
    cache.lookup(process.pid);
  });
  const cold = new ProcessIdentityCache({ maxEntries: 1 });
  let flip = 0;
  bench('lookup, read from /proc (cache miss)', () => {
    // Two pids over a one-entry cache: every lookup misses and reads stat, cmdline and cgroup.
    cold.lookup(flip++ % 2 === 0 ? process.pid : process.ppid);
  });
});
