import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startSmtpSink } from './smtp-sink';
import type { StackInfo } from './stack-info';

const root = path.resolve(__dirname, '..', '..');
const children: { name: string; child: ChildProcess; log: string }[] = [];

async function waitForHttp(url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.status < 500) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    for (const c of children) {
      if (c.child.exitCode !== null)
        throw new Error(`${c.name} exited (${c.child.exitCode}); log:\n${fs.readFileSync(c.log, 'utf8').slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready at ${url} after ${timeoutMs} ms: ${lastError}`);
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv, logDir: string, cwd = root): void {
  const log = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(log, 'a');
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  children.push({ name, child, log });
}

/**
 * Brings up the real stack once for all system tests: server (api + ingest + chDB), console, and the agent
 * with real eBPF. Ports are fixed and distinct from `npm start`'s so both can run on one machine.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = path.join(process.env.BATHYSCOPE_TEST_STATE_DIR ?? path.join(root, '.state', 'test'), 'stack');
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.mkdirSync(stateDir, { recursive: true });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL must be set for system tests (npm test sets it)');
  // A second stack (another checkout's test run) can use another base: BATHYSCOPE_TEST_PORT_BASE.
  const base = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 14000);
  const ports = { api: base, ingest: base + 1, web: base + 2, ingestH2: base + 3 };
  // A leftover server from an interrupted run would answer in place of this stack (stale console, old code):
  // refuse to start rather than test the wrong thing.
  for (const [name, port] of Object.entries(ports)) {
    if (await portInUse(port))
      throw new Error(
        `port ${port} (${name}) is already in use: stop what listens there or set BATHYSCOPE_TEST_PORT_BASE`,
      );
  }
  const mailboxDir = path.join(stateDir, 'mailbox');
  const smtp = await startSmtpSink(mailboxDir);
  const env: NodeJS.ProcessEnv = {
    BATHYSCOPE_STATE_DIR: stateDir,
    DATABASE_URL: databaseUrl,
    API_PORT: String(ports.api),
    INGEST_PORT: String(ports.ingest),
    INGEST_H2_PORT: String(ports.ingestH2),
    // No other spec uses the team plan: quotas.spec.ts moves a tenant to it to exhaust a quota in seconds, while
    // free tenants (every other spec) keep the default quota.
    INGEST_QUOTA_TEAM_ROWS_PER_SEC: '500',
    // Low enough for a test to exhaust quickly; sessions keep the default.
    API_RATE_LIMIT_KEY_PER_MIN: '40',
    SMTP_URL: smtp.url,
    WEB_URL: `http://127.0.0.1:${ports.web}`,
    // Webhook receivers of the tests listen on loopback; every other non-public address stays refused (SSRF tests).
    BATHYSCOPE_WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8',
  };

  const seed = spawnSync(process.execPath, [path.join(root, 'apps/api/dist/cli/seed-demo.js')], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  const demo = JSON.parse(seed.stdout.trim().split('\n').at(-1) as string);

  start('server', [path.join(root, 'apps/api/dist/main.js')], env, stateDir);
  await waitForHttp(`http://127.0.0.1:${ports.ingest}/healthz`, 90_000, 'ingest');
  await waitForHttp(`http://127.0.0.1:${ports.api}/healthz`, 90_000, 'api');

  start(
    'web',
    [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(ports.web), '-H', '127.0.0.1'],
    { API_URL: `http://127.0.0.1:${ports.api}` },
    stateDir,
    path.join(root, 'apps/web'),
  );
  await waitForHttp(`http://127.0.0.1:${ports.web}/login`, 90_000, 'console');

  // Like `npm start`: the seed left a one-time enrollment token and the local agent enrolls with it.
  const agentMain = path.join(root, 'apps/agent/dist/main.js');
  const tokenFile = path.join(stateDir, 'agent', 'enrollment.token');
  const enrolled = spawnSync(process.execPath, [agentMain, 'enroll', '--server', `http://127.0.0.1:${ports.ingest}`], {
    env: { ...process.env, ...env, BATHYSCOPE_ENROLLMENT_TOKEN: fs.readFileSync(tokenFile, 'utf8').trim() },
    encoding: 'utf8',
  });
  if (enrolled.status !== 0) throw new Error(`local agent enrollment failed: ${enrolled.stderr}`);
  fs.rmSync(tokenFile);
  start('agent', [agentMain, 'run'], env, stateDir);
  const statusFile = path.join(stateDir, 'agent', 'status.json');
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(statusFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const status = fs.existsSync(statusFile)
    ? JSON.parse(fs.readFileSync(statusFile, 'utf8'))
    : { state: 'missing', capabilities: { problems: ['agent wrote no status'] } };

  const info: StackInfo = {
    apiUrl: `http://127.0.0.1:${ports.api}`,
    ingestUrl: `http://127.0.0.1:${ports.ingest}`,
    ingestH2Url: `http://127.0.0.1:${ports.ingestH2}`,
    webUrl: `http://127.0.0.1:${ports.web}`,
    stateDir,
    databaseUrl,
    demo,
    agentCapturing: status.state === 'running',
    agentProblems: status.capabilities?.problems ?? [],
    mailboxDir,
  };
  project.provide('stack', info);

  return async () => {
    for (const { child } of [...children].reverse()) {
      if (child.exitCode !== null) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    await smtp.close();
  };
}
