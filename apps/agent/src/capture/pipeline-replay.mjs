// CPU per socket event of the agent's capture pipeline, replayed from a recording so two builds can be compared on
// the same bytes (the shared 2-core machine makes wall rates of live runs too noisy to judge a change by).
//   node apps/agent/src/capture/pipeline-replay.mjs record <file> [seconds=3] [rate=20000]   (root: loads eBPF)
//     nginx + wrk held near `rate` req/s on loopback; every batch the socket tracer hands over is written to <file>.
//   node apps/agent/src/capture/pipeline-replay.mjs replay <file> <checkout>[,<checkout>…] [iterations=5] [rounds=3]
//          [l7Rate=1]
//     Each checkout (a directory with apps/agent/dist and native/dist + build/Release next to each other, e.g. this
//     repository or a copy of an older build with a node_modules that resolves @bathyscope/native to it) replays the
//     batches through decodeSocketEvents → CapturePipeline → L7Shipper (encode + gzip; fetch answered in-process) in
//     a child process of its own, alternating checkouts for `rounds`. Printed: µs of process CPU per event (GC
//     threads included) and GC ms per 100k events of the last iterations, medians per checkout. With `l7Rate` below
//     1 the pipeline samples connections as `sampling.l7Rate` does (the cost of a sampled configuration).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..', '..');
const [cmd, file, ...rest] = process.argv.slice(2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (cmd === 'record') {
  const load = await import(path.join(repo, 'bench', 'lib', 'workloads.mjs'));
  const { SocketTracer } = createRequire(import.meta.url)(path.join(repo, 'native', 'dist', 'index.js'));
  const [seconds = '3', rate = '20000'] = rest;
  const dir = path.join(os.tmpdir(), `bs-replay-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const port = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 15400) + 40;
  const nginx = await load.startNginx(path.join(dir, 'nginx'), port, 1);
  const batches = [];
  const tracer = new SocketTracer({});
  await tracer.startRaw((b) => batches.push(b));
  const wrk = await load.wrkAtRate(port, dir, { seconds: Number(seconds), rate: Number(rate) });
  await new Promise((r) => setTimeout(r, 300));
  const stats = tracer.stats();
  tracer.close();
  nginx.kill('SIGQUIT');
  const out = Buffer.alloc(batches.reduce((a, b) => a + 4 + b.length, 0));
  let o = 0;
  for (const b of batches) {
    out.writeUInt32LE(b.length, o);
    b.copy(out, o + 4);
    o += 4 + b.length;
  }
  writeFileSync(file, out);
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ file, wrk, stats, batches: batches.length, bytes: out.length }));
  process.exit(0);
} else if (cmd === 'replay') {
  const [roots, iterations = '5', rounds = '3', l7Rate = '1'] = rest;
  const results = new Map();
  for (let r = 0; r < Number(rounds); r++) {
    for (const root of roots.split(',')) {
      const out = execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), 'child', file, root, iterations, l7Rate],
        {
          encoding: 'utf8',
        },
      );
      const runs = JSON.parse(out).slice(2); // the first iterations warm the JIT up
      const acc = results.get(root) ?? { us: [], gc: [], rows: 0, events: 0 };
      for (const x of runs) {
        acc.us.push(x.cpuUsPerEvent);
        acc.gc.push(x.gcMsPer100k);
        acc.rows = x.rows;
        acc.events = x.events;
      }
      results.set(root, acc);
    }
  }
  for (const [root, { us, gc, rows, events }] of results) {
    console.log(
      JSON.stringify({
        bench: 'pipeline-replay',
        checkout: root,
        l7Rate: Number(l7Rate),
        cpuUsPerEvent: Math.round(median(us) * 1000) / 1000,
        gcMsPer100kEvents: Math.round(median(gc) * 10) / 10,
        samples: us.length,
        // Rows shipped per event: what a sampled configuration kept.
        rowsPerEvent: events > 0 ? Math.round((rows / events) * 1000) / 1000 : 0,
      }),
    );
  }
} else if (cmd === 'child') {
  const [root, iterations, l7Rate = '1'] = rest;
  const require = createRequire(path.join(path.resolve(root), 'apps', 'agent', 'dist', 'main.js'));
  const { decodeSocketEvents } = require('@bathyscope/native');
  const { CapturePipeline } = require(path.join(path.resolve(root), 'apps/agent/dist/capture/capture-pipeline.js'));
  const { L7Shipper } = require(path.join(path.resolve(root), 'apps/agent/dist/shipper/l7-shipper.js'));
  const raw = readFileSync(file);
  const batches = [];
  for (let o = 0; o < raw.length; ) {
    const n = raw.readUInt32LE(o);
    batches.push(raw.subarray(o + 4, o + 4 + n));
    o += 4 + n;
  }
  globalThis.fetch = async () => new Response('ok');
  let gcMs = 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  const runs = [];
  for (let it = 0; it < Number(iterations); it++) {
    const shipper = new L7Shipper({ ingestUrl: 'http://127.0.0.1:9/', token: `bsa_1_${'x'.repeat(32)}` });
    const pipeline = new CapturePipeline({ enqueue: (row) => shipper.enqueue(row) });
    pipeline.filter.setSampleRate(Number(l7Rate));
    let events = 0;
    gcMs = 0;
    const c0 = process.cpuUsage();
    for (const b of batches) {
      // As from the addon: each batch a fresh Buffer, handed over on an event-loop turn of its own.
      const evs = decodeSocketEvents(Buffer.from(b));
      events += evs.length;
      pipeline.onEvents(evs);
      await new Promise(setImmediate);
    }
    await shipper.flush();
    const c = process.cpuUsage(c0);
    await shipper.close(100);
    runs.push({
      events,
      rows: shipper.stats.rowsQueued,
      cpuUsPerEvent: (c.user + c.system) / events,
      gcMsPer100k: (gcMs / events) * 1e5,
    });
  }
  process.stdout.write(JSON.stringify(runs));
} else {
  console.error(
    'usage: pipeline-replay.mjs record <file> [seconds] [rate] | replay <file> <checkout>[,…] [iterations]',
  );
  process.exit(2);
}
