// The profiling pipeline alone — CpuProfiling (drain, symbolize, fold) + ProfileShipper (encode, gzip, POST) from
// apps/agent/dist — in a child process of its own, without the socket tracer and the rest of the agent whose load
// moves with the host's traffic. This process is the stand-in gateway and reads the child's CPU (utime + stime from
// /proc) over consecutive windows after a warm-up. Root only.
// Usage: node apps/agent/src/profiling/measure-pipeline.mjs [windowSeconds=60] [warmupSeconds=120] [windows=3]
//          [dist,dist…]
// With a list of agent dist directories (default: this checkout's apps/agent/dist), one child per build profiles
// the host at the same time, so builds are compared side by side on the same load. A copy of an older dist must sit
// below this checkout (e.g. node_modules/.prof-base/dist) so that its imports resolve.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

if (process.argv[2] === '--child') {
  const dist = process.argv[4];
  const { CpuProfiling } = await import(path.join(dist, 'profiling', 'cpu-profiling.js'));
  const { ProfileShipper } = await import(path.join(dist, 'profiling', 'profile-shipper.js'));
  const { StaticCredential } = await import(path.join(dist, 'credentials.js'));
  const shipper = new ProfileShipper({
    ingestUrl: process.argv[3],
    credentials: new StaticCredential(`bsa_1_${'x'.repeat(32)}`),
  });
  const profiling = new CpuProfiling({ shipper });
  await profiling.apply({ enabled: true, frequencyHz: 99, intervalSeconds: 10 });
  if (profiling.problem) throw new Error(profiling.problem);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stdout.write(
      `${JSON.stringify({ counters: profiling.counters, symbolizer: profiling.symbolizerStats, rss: m.rss, heapUsed: m.heapUsed })}\n`,
    );
  }, 5000);
  process.on('SIGTERM', () => profiling.stop().then(() => process.exit(0)));
} else {
  const windowS = Number(process.argv[2] ?? 60);
  const warmupS = Number(process.argv[3] ?? 120);
  const windows = Number(process.argv[4] ?? 3);
  const dists = (process.argv[5] ?? path.resolve(import.meta.dirname, '..', '..', 'dist'))
    .split(',')
    .map((d) => path.resolve(d));
  const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  let batches = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/profiles') batches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const children = dists.map((dist) => {
    const child = spawn(
      process.execPath,
      [import.meta.filename, '--child', `http://127.0.0.1:${server.address().port}`, dist],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const state = { dist, child, last: null };
    child.stdout.on('data', (d) => {
      const line = d.toString().trim().split('\n').pop();
      try {
        state.last = JSON.parse(line);
      } catch {}
    });
    return state;
  });
  const cpuTicks = (child) => {
    const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  try {
    await sleep(warmupS * 1000);
    for (let w = 0; w < windows; w++) {
      const t0 = children.map((c) => cpuTicks(c.child));
      const s0 = children.map((c) => c.last?.counters.samples ?? 0);
      const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      await sleep(windowS * 1000);
      children.forEach((c, i) => {
        const t1 = cpuTicks(c.child);
        console.log(
          JSON.stringify({
            window: w,
            dist: c.dist,
            pipelineCpuPercentOfOneCore: +(((t1 - t0[i]) / HZ / windowS) * 100).toFixed(2),
            samplesPerSecond: Math.round(((c.last?.counters.samples ?? 0) - s0[i]) / windowS),
            loadAverage1m: Number(load),
            lastIntervalWorkMs: c.last?.counters.lastIntervalWorkMs,
            processes: c.last?.symbolizer.processes,
            stacksCached: c.last?.symbolizer.stacksCached,
            stacksResolved: c.last?.symbolizer.stacksResolved,
            rssMiB: Math.round((c.last?.rss ?? 0) / 1048576),
          }),
        );
      });
    }
  } finally {
    for (const c of children) c.child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => c.child.once('exit', r))));
    server.close();
    console.log(JSON.stringify({ profileBatchesReceived: batches }));
  }
}
