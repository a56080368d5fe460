import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The AutoTracing chain curl → A → B → Redis, shared by autotracing.spec.ts (what the agent records) and
 * trace-assembly.spec.ts (what the trace query makes of it).
 *
 * Service A answers /a/<marker>/<i> by asking B for /b/<marker>/<i> with the same x-request-id; B answers by asking
 * Redis for the key <marker>:<i> over one persistent RESP connection. Each is its own process, so each serves on
 * its own (event-loop) thread, which is what the kernel's per-thread trace context follows.
 *
 * Redis is a redis-server of the chain's own (startRedis), not the machine's shared one, where the stack's BullMQ
 * clients interleave their commands with B's. The kernel parks the trace context of a request an event loop has not
 * answered yet (docs/ARCHITECTURE.md, AutoTracing; native/lib/socket-tracer.spec.ts checks it), but the chain tests
 * count rows and spans exactly, which needs a Redis that only the chain talks to.
 */
export const SERVICE_A = `
const http = require('node:http');
const [port, next] = process.argv.slice(2).map(Number);
http.createServer((req, res) => {
  const path = req.url.replace('/a/', '/b/');
  http.get({ host: '127.0.0.1', port: next, path, headers: { 'x-request-id': req.headers['x-request-id'] } }, (up) => {
    let body = '';
    up.on('data', (c) => (body += c));
    up.on('end', () => res.end('a:' + body));
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\\n'));
`;
export const SERVICE_B = `
const http = require('node:http');
const net = require('node:net');
const [port, redisPort] = process.argv.slice(2).map(Number);
const redis = net.connect(redisPort, '127.0.0.1');
const waiting = [];
let pending = '';
redis.on('data', (chunk) => {
  pending += chunk;
  // Replies are bulk strings or nil; this test issues one GET at a time.
  const m = /^(\\$-1\\r\\n|\\$(\\d+)\\r\\n)/.exec(pending);
  if (!m) return;
  const len = m[2] === undefined ? 0 : Number(m[2]) + 2;
  if (pending.length < m[0].length + len) return;
  pending = '';
  waiting.shift()('ok');
});
http.createServer((req, res) => {
  const key = req.url.split('/').slice(2).join(':');
  waiting.push((v) => res.end('b:' + v));
  redis.write('*2\\r\\n$3\\r\\nGET\\r\\n$' + Buffer.byteLength(key) + '\\r\\n' + key + '\\r\\n');
}).listen(port, '127.0.0.1', () => redis.once('connect', () => process.stdout.write('ready\\n')));
`;

/** A redis-server of the chain's own on `port` (no persistence, data in `dir`), once it accepts connections. */
export function startRedis(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ready to accept connections')) resolve(child);
    });
  });
}

export function startService(dir: string, name: string, source: string, args: number[]): Promise<ChildProcess> {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, source);
  const child = spawn(process.execPath, [file, ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.stdout?.once('data', () => resolve(child));
  });
}
