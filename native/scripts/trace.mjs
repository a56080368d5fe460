#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Prints socket events as they are captured: `node native/scripts/trace.mjs [--pid N] [--seconds S]`.
// Needs a build (npm run build -w @bathyscope/native) and root.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SocketTracer, probeCapabilities } = require('../dist/index.js');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const onlyPid = opt('--pid') ? Number(opt('--pid')) : undefined;
const seconds = Number(opt('--seconds') ?? 0);

const caps = probeCapabilities();
if (!caps.ok && !caps.tracefsMountable) {
  console.error(`cannot trace:\n  ${caps.problems.join('\n  ')}`);
  process.exit(1);
}

const printable = (buf) => JSON.stringify(buf.toString('latin1').replace(/[^\x20-\x7e]/g, '.'));
const tracer = new SocketTracer();
await tracer.start((events) => {
  for (const e of events) {
    if (onlyPid !== undefined && e.pid !== onlyPid) continue;
    const ep = (addr, port) => (e.family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`);
    const peer = `${ep(e.localAddr, e.localPort)} ${e.direction === 'egress' ? '->' : '<-'} ${ep(e.remoteAddr, e.remotePort)}`;
    const data = e.kind === 'data' ? ` ${e.totalLen}B ${printable(e.data.subarray(0, 60))}` : '';
    console.log(`${e.tsNs} ${e.comm}[${e.pid}/${e.tid}] fd=${e.fd} ${e.kind}/${e.syscall} ${peer}${data}`);
  }
});
const stop = () => {
  tracer.close();
  console.error('stats', tracer.stats());
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (seconds > 0) setTimeout(stop, seconds * 1000);
