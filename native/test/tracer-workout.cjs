// SPDX-License-Identifier: Apache-2.0
// Child process for socket-tracer-cycles.spec.ts and sanitizer.spec.ts: start → traffic → events → close of the
// socket tracer `cycles` times (and of the CPU profiler with `--profiler`), then one JSON line on stdout.
//   node --expose-gc native/test/tracer-workout.cjs <path of the addon's dist/index.js> <cycles> [--profiler]
// The addon is a parameter so the same workout runs on the product build and on the sanitizer build.
// Measured in this process because that is where a leak would live: RSS after a full GC, open fds, and the BPF
// objects (programs, maps, links) this process holds; the kernel ids of the programs and maps it held while
// tracing are reported so the parent can check the kernel freed them after close.
const fs = require('node:fs');
const http = require('node:http');

const [distIndex, cyclesArg, ...flags] = process.argv.slice(2);
const cycles = Number(cyclesArg);
const withProfiler = flags.includes('--profiler');
const { SocketTracer, CpuProfiler, demangle } = require(distIndex);

/** This process's fds by kind: bpf-prog / bpf-map / bpf_link / perf_event / other. */
function fdKinds() {
  const kinds = { total: 0, bpfProg: 0, bpfMap: 0, bpfLink: 0, perfEvent: 0 };
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the fd of the readdir itself, closed by now
    }
    kinds.total++;
    if (target === 'anon_inode:bpf-prog') kinds.bpfProg++;
    else if (target === 'anon_inode:bpf-map') kinds.bpfMap++;
    else if (target === 'anon_inode:bpf_link') kinds.bpfLink++;
    else if (target === 'anon_inode:[perf_event]') kinds.perfEvent++;
  }
  return kinds;
}

/** Kernel ids of the BPF programs and maps this process holds fds to. */
function heldBpfIds() {
  const progs = [];
  const maps = [];
  for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
    let info;
    try {
      info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const prog = /^prog_id:\s*(\d+)$/m.exec(info);
    const map = /^map_id:\s*(\d+)$/m.exec(info);
    if (prog) progs.push(Number(prog[1]));
    else if (map) maps.push(Number(map[1]));
  }
  return { progs, maps };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function traffic(port, n) {
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/cycle/${i}`, agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });
  }
}

async function main() {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await traffic(port, 5); // the http machinery's own one-time allocations happen before any measurement

  const out = { cycles, rssAfterGc: {}, fds: {}, minEventsPerCycle: Number.POSITIVE_INFINITY, heldWhileRunning: null };
  for (let i = 0; i < cycles; i++) {
    // Our own pid is not ignored, so this process's traffic goes through the whole path: BPF → ring buffer →
    // poller thread → ThreadSafeFunction → decode.
    const tracer = new SocketTracer({ ignoreSelf: false });
    let events = 0;
    await tracer.start((batch) => {
      events += batch.length;
    });
    await traffic(port, 10);
    for (let waited = 0; events === 0 && waited < 3000; waited += 20) await sleep(20);
    if (i === 0) out.heldWhileRunning = { ...heldBpfIds(), fds: fdKinds() };
    tracer.close();
    tracer.close(); // idempotent
    if (tracer.running) throw new Error('tracer still running after close()');
    out.minEventsPerCycle = Math.min(out.minEventsPerCycle, events);
    if (withProfiler) {
      const profiler = new CpuProfiler({ frequencyHz: 99 });
      await profiler.start();
      const until = Date.now() + 50;
      while (Date.now() < until); // something on-CPU to sample
      await profiler.drain();
      profiler.close();
    }
    // After warm-up (cycle 1) and at the end: the two must match.
    if (i === 0 || i === 9 || i === cycles - 1) {
      global.gc();
      await sleep(50);
      global.gc();
      out.rssAfterGc[i + 1] = process.memoryUsage.rss();
      out.fds[i + 1] = fdKinds();
    }
  }
  if (withProfiler) out.demangled = demangleWorkout();
  out.heldAtEnd = heldBpfIds();
  // Which addon and which sanitizer runtime this process really ran with (the sanitizer test checks both).
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  out.addonMapped = [...new Set([...maps.matchAll(/\s(\/\S*bathyscope_native\.node)$/gm)].map((m) => m[1]))];
  out.asanMapped = /libasan\.so/.test(maps);
  server.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/**
 * The profiler's demangler (C++ and Rust v0 readers) over mutated and truncated real names, so the sanitizer build
 * sees every parser path; returns how many names came back readable.
 */
function demangleWorkout() {
  const seeds = [
    '_ZN2v88internal10ActionNode15EmptyMatchCheckEiiiPNS0_10RegExpNodeE',
    '_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$3bar17h930b740aa94f1d3aE',
    '_RINvXs0_NtNtNtCsgEmfK2I1SDS_4core4iter6traits8iteratorQDNtB6_8Iteratorp4ItemhEL_BS_4foldjNCNvYBQ_B1g_5count0ECs32gj3y4fnmh_4main',
    '_RNvMs3_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVecTOhFUKCBN_EuENtNtCsjrHSEGnQ3l9_3std5alloc6SystemE8grow_oneB13_',
    '_RNvNtCs32gj3y4fnmh_4mainu7caf_dmau8nave_6pa',
    '_RINvCs32gj3y4fnmh_4main2chKc78_Kb1_EB2_',
  ];
  const alphabet = '_ZRNvCsMXYIEBKLGDFUTSAQPOpu0123456789abcdefhjlmxyz$';
  let seed = 12345;
  const rand = (n) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  let readable = 0;
  for (let round = 0; round < 40; round++) {
    const names = [];
    for (let k = 0; k < 500; k++) {
      const chars = seeds[rand(seeds.length)].split('');
      for (let e = rand(5); e > 0; e--) chars[2 + rand(chars.length - 2)] = alphabet[rand(alphabet.length)];
      names.push(chars.join('').slice(0, 3 + rand(chars.length)));
    }
    const out = demangle(names);
    for (let k = 0; k < names.length; k++) if (out[k] !== names[k]) readable++;
  }
  return readable;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
