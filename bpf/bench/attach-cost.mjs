// Fixed cost of the attachment kind, side by side: ns per TCP loopback write+read pair (bpf/.output/overhead) with
// nothing attached, with counting-only programs on the four per-syscall tracepoints of read/write (what the socket
// tracer attaches to), and with one counting raw tracepoint pair on sys_enter/sys_exit that filters by syscall
// number. Modes alternate run by run; the machine is noisy, so the minimum and the median of each mode are printed.
// Root only; build first with `make -C bpf bench`.
//   node bpf/bench/attach-cost.mjs [runs=25] [pairs=40000]
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

const out = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '.output');
const [runs = '25', pairs = '40000'] = process.argv.slice(2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts the holder of one attachment kind and resolves once its programs are attached. */
function attach(kind) {
  const child = spawn(path.join(out, 'attach_cost'), [kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`attach_cost ${kind} exited with ${code}`)));
    child.stdout.once('data', () => resolve(child));
  });
}

const nsPerPair = () =>
  Number(/: (\d+) ns/.exec(execFileSync(path.join(out, 'overhead'), [pairs, '64', 'tcp'], { encoding: 'utf8' }))[1]);

const results = { none: [], tracepoints: [], raw: [] };
for (let r = 0; r < Number(runs); r++) {
  results.none.push(nsPerPair());
  for (const [mode, kind] of [
    ['tracepoints', 'tp'],
    ['raw', 'raw'],
  ]) {
    const holder = await attach(kind);
    results[mode].push(nsPerPair());
    holder.removeAllListeners('exit');
    holder.kill();
    await new Promise((resolve) => holder.once('exit', resolve));
  }
}
for (const [mode, xs] of Object.entries(results)) {
  console.log(
    JSON.stringify({ bench: 'attach-cost', mode, minNsPerPair: Math.min(...xs), medianNsPerPair: median(xs) }),
  );
}
