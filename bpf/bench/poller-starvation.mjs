// Does the socket tracer's poller drain the kernel ring in time when the traced workload keeps every core busy?
// Traffic: bpf/.output/overhead (TCP loopback write+read pairs of 4 KiB, so each event carries a full payload) next
// to one busy loop per core at normal priority; the ring is 1 MiB so that a poller waiting its turn shows up as
// `dropped` (records lost to a full ring, counted by the BPF side) within seconds. Poller nice values alternate per
// round, so a noisy host moves them alike. Root only.
//   node bpf/bench/poller-starvation.mjs [rounds=3] [pairs=100000] [nice=0,-10]
import { execFile, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SocketTracer } from '../../native/dist/index.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const overhead = path.join(here, '..', '.output', 'overhead');
const [roundsArg = '3', pairsArg = '100000', nicesArg = '0,-10'] = process.argv.slice(2);
const nices = nicesArg.split(',').map(Number);

async function measure(nice) {
  const tracer = new SocketTracer({ ringBufferBytes: 1 << 20, pollerNice: nice });
  let events = 0;
  await tracer.start((batch) => {
    events += batch.length;
  });
  const hogs = cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    await new Promise((r) => setTimeout(r, 300)); // the hogs are running
    const t0 = process.hrtime.bigint();
    await promisify(execFile)(overhead, [pairsArg, '4096', 'tcp']);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await new Promise((r) => setTimeout(r, 300));
    const s = tracer.stats();
    return {
      nice: s.pollerNice,
      seconds: Number(seconds.toFixed(2)),
      submitted: s.submitted,
      dropped: s.dropped,
      droppedShare: Number((s.dropped / (s.submitted + s.dropped)).toFixed(4)),
      userDropped: s.userDropped,
      delivered: events,
    };
  } finally {
    for (const h of hogs) h.kill('SIGKILL');
    tracer.close();
  }
}

const results = new Map(nices.map((n) => [n, []]));
for (let round = 0; round < Number(roundsArg); round++) {
  for (const nice of nices) {
    const r = await measure(nice);
    results.get(nice).push(r);
    console.error(`round ${round + 1} nice ${nice}: ${JSON.stringify(r)}`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [nice, rs] of results) {
  console.log(
    JSON.stringify({
      pollerNice: nice,
      droppedShare: median(rs.map((r) => r.droppedShare)),
      dropped: median(rs.map((r) => r.dropped)),
      submitted: median(rs.map((r) => r.submitted)),
      seconds: median(rs.map((r) => r.seconds)),
    }),
  );
}
