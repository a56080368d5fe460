import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { curl, startHttpTarget } from '../kit/http-target';

/**
 * The install paths for real: install.sh served by the running console and API, piped into sh as root into a
 * temporary prefix (no systemd: --no-start), enrolling with a token made over GraphQL; then the installed agent
 * runs, captures HTTP with eBPF and its rows reach the tenant's request log; re-running upgrades in place;
 * --uninstall stops it and removes everything. Bad tokens and a bad checksum leave nothing behind.
 */
const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

// biome-ignore lint/suspicious/noExplicitAny: responses of many shapes are navigated in assertions
type Loose = any;

const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * `curl -fsSL <url> | sh -s -- <args>`, the way the console tells users to install. Asynchronous, so servers in
 * this process (the tampered mirror) keep answering and exited children are reaped while it runs.
 */
function pipeInstall(
  url: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'curl -fsSL "$0" | sh -s -- "$@"', url, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The test runner's own state directory must not leak into the installed agent.
      env: withoutAgentEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, out: stdout + stderr });
    });
  });
}

function withoutAgentEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'BATHYSCOPE_STATE_DIR',
    'BATHYSCOPE_INGEST_URL',
    'BATHYSCOPE_ENROLLMENT_TOKEN',
    'BATHYSCOPE_NODE',
  ]) {
    delete env[name];
  }
  return env;
}

async function fetchBytes(url: string) {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const CREATE_TOKEN = `mutation($i: CreateEnrollmentTokenInput!) {
  createEnrollmentToken(input: $i) { token enrollmentToken { id } install { script cli kubernetes } }
}`;

describe('agent install script (served by the control plane, run for real)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-install-e2e-'));
  const prefix = path.join(tmp, 'agent');
  const stateDir = path.join(prefix, 'state');
  const installUrl = `${stack.webUrl}/install.sh`;
  let viaConsole: GraphQLSession;
  let login: { email: string; password: string };
  let tenantId: number;
  let token: string;
  let tokenId: string;
  let install: { script: string; cli: string; kubernetes: string };
  let agentId: number;
  let agent: ChildProcess | undefined;
  let agentOutput = '';

  const createToken = async (session: GraphQLSession, input: Record<string, unknown> = {}) =>
    (await ok(session.request(CREATE_TOKEN, { i: { name: 'install e2e', expiresAt: inDays(1), ...input } })))
      .createEnrollmentToken as { token: string; enrollmentToken: { id: string }; install: typeof install };

  beforeAll(async () => {
    const t = await createTenantWithAgent('install');
    tenantId = t.tenantId;
    login = { email: t.email, password: t.password };
    // Through the console's /graphql, as the "Add agent" page does.
    viaConsole = new GraphQLSession(stack.webUrl);
    await viaConsole.login(t.email, t.password);
    const created = await createToken(viaConsole, { maxUses: 5 });
    token = created.token;
    tokenId = created.enrollmentToken.id;
    install = created.install;
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      const exited = new Promise((resolve) => agent?.once('exit', resolve));
      agent.kill('SIGTERM');
      const timer = setTimeout(() => agent?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('createEnrollmentToken answers ready-to-paste install instructions with the token', async () => {
    expect(install.script).toBe(`curl -fsSL ${stack.webUrl}/install.sh | sudo sh -s -- --token ${token}`);
    expect(install.cli).toBe(`bathyscope-agent enroll --token ${token} --server ${stack.ingestUrl}`);
    expect(install.kubernetes).toContain('kind: DaemonSet');
    expect(install.kubernetes).toContain(`token: ${token}`);
    const daemonSet = parseAllDocuments(install.kubernetes)
      .map(
        (d) =>
          d.toJS() as { kind?: string; spec?: { template: { spec: { containers: { env: { value?: string }[] }[] } } } },
      )
      .find((d) => d.kind === 'DaemonSet');
    const env = daemonSet?.spec?.template.spec.containers[0]?.env ?? [];
    expect(env.map((e) => e.value)).toContain(stack.ingestUrl);
    // Straight to the API, the commands name the API's address, which serves install.sh as well.
    const direct = new GraphQLSession(stack.apiUrl);
    await direct.login(login.email, login.password);
    const viaApi = await createToken(direct);
    expect(viaApi.install.script).toBe(`curl -fsSL ${stack.apiUrl}/install.sh | sudo sh -s -- --token ${viaApi.token}`);
    expect(viaApi.install.cli).toBe(install.cli.replace(token, viaApi.token));
  });

  it('serves install.sh from the console and from the API, each with its own address baked in', async () => {
    for (const [base, label] of [
      [stack.webUrl, 'console'],
      [stack.apiUrl, 'api'],
    ] as const) {
      const res = await fetch(`${base}/install.sh`);
      expect(res.status, label).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const script = await res.text();
      expect(script.startsWith('#!/bin/sh\n')).toBe(true);
      expect(script).toContain(`\nBAKED_SERVER_URL='${base}'\n`);
      expect(script).toContain(`\nBAKED_INGEST_URL='${stack.ingestUrl}'\n`);
    }
  });

  it('serves the agent bundle and Node.js with checksums that match, through the console as well', async () => {
    const sums = await fetchBytes(`${stack.webUrl}/downloads/bathyscope-agent-linux-${ARCH}.tar.gz.sha256`);
    expect(sums.status).toBe(200);
    const [digest, file] = sums.body.toString().trim().split(/\s+/) as [string, string];
    expect(file).toBe(`bathyscope-agent-0.1.0-linux-${ARCH}.tar.gz`);
    const viaConsoleBundle = await fetchBytes(`${stack.webUrl}/downloads/${file}`);
    const viaApiBundle = await fetchBytes(`${stack.apiUrl}/downloads/${file}`);
    expect(viaConsoleBundle.status).toBe(200);
    expect(viaConsoleBundle.headers.get('content-type')).toBe('application/gzip');
    expect(sha256(viaConsoleBundle.body)).toBe(digest);
    expect(sha256(viaApiBundle.body)).toBe(digest);
    expect((await fetchBytes(`${stack.apiUrl}/downloads/${file}.sha256`)).body.toString()).toBe(`${digest}  ${file}\n`);
    const listing = spawnSync('tar', ['-tzf', '-'], { input: viaApiBundle.body, encoding: 'utf8' }).stdout;
    for (const entry of ['bin/bathyscope-agent', 'lib/agent.js', 'build/Release/bathyscope_native.node']) {
      expect(listing).toContain(`bathyscope-agent-0.1.0-linux-${ARCH}/${entry}`);
    }

    // The server runs on the same Node.js binary as this test runner.
    const nodeSum = (await fetchBytes(`${stack.webUrl}/downloads/node-linux-${ARCH}.sha256`)).body.toString();
    expect(nodeSum).toBe(`${sha256(fs.readFileSync(process.execPath))}  node-linux-${ARCH}\n`);

    const otherArch = ARCH === 'x64' ? 'arm64' : 'x64';
    for (const name of [
      `bathyscope-agent-linux-${otherArch}.tar.gz.sha256`,
      'bathyscope-agent-9.9.9-linux-x64.tar.gz',
      '..%2Fetc%2Fpasswd',
      'x',
    ]) {
      const res = await fetchBytes(`${stack.apiUrl}/downloads/${name}`);
      expect([res.status, JSON.parse(res.body.toString()).error.code], name).toEqual([404, 'NOT_FOUND']);
    }
  });

  it('installs for real: bundle verified, enrolled into the tenant, key 0600, nothing secret in its output', async () => {
    // --download-node exercises the Node.js download; the re-run below switches to the host's Node.js.
    const r = await pipeInstall(installUrl, [
      '--token',
      token,
      '--prefix',
      prefix,
      '--state-dir',
      stateDir,
      '--no-start',
      '--download-node',
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain(token);
    expect(r.stdout).toContain('sha256 verified');
    expect(r.stdout).toMatch(/agent \d+ enrolled; ingest /);
    expect(r.stdout).toContain(`installed bathyscope-agent 0.1.0 in ${prefix} (state in ${stateDir})`);
    expect(r.stdout).toContain(`start the agent as root with: ${prefix}/bin/bathyscope-agent run`);

    expect(fs.statSync(path.join(prefix, 'bin', 'bathyscope-agent')).mode & 0o111).not.toBe(0);
    expect(fs.statSync(path.join(prefix, 'node', 'bin', 'node')).mode & 0o111).not.toBe(0);
    for (const f of ['lib/agent.js', 'build/Release/bathyscope_native.node', 'manifest.json', '.bathyscope-agent']) {
      expect(fs.existsSync(path.join(prefix, f)), f).toBe(true);
    }
    expect(fs.readdirSync(prefix).filter((f) => f.startsWith('.install.'))).toEqual([]);
    expect(fs.readFileSync(path.join(prefix, 'etc', 'agent.env'), 'utf8')).toContain(
      `BATHYSCOPE_STATE_DIR=\${BATHYSCOPE_STATE_DIR:-${stateDir}}`,
    );
    expect(fs.statSync(path.join(stateDir, 'agent', 'key.pem')).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8'));
    expect(creds).toEqual({ agentId: expect.any(Number), tenantId, ingestUrl: stack.ingestUrl });
    agentId = creds.agentId;
    // Nothing under the prefix or the state directory holds the enrollment token.
    const grep = spawnSync('grep', ['-rlF', token.slice(5), prefix], { encoding: 'utf8' });
    expect(grep.stdout).toBe('');

    const agents = (await ok(viaConsole.request('{ agents { id hostname } }'))).agents as Loose[];
    expect(agents.find((a) => a.id === agentId)).toMatchObject({ hostname: os.hostname() });
    expect((await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { id: tokenId } })).uses).toBe(1);
  });

  it.skipIf(skipEbpf)(
    'the installed agent runs, captures HTTP with eBPF, and the requests reach the request log',
    async () => {
      // No --state-dir: the installed wrapper finds it in <prefix>/etc/agent.env.
      agent = spawn(path.join(prefix, 'bin', 'bathyscope-agent'), ['run'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: withoutAgentEnv(),
      });
      agent.stdout?.on('data', (d: Buffer) => {
        agentOutput += d.toString();
      });
      agent.stderr?.on('data', (d: Buffer) => {
        agentOutput += d.toString();
      });
      const capturing = await eventually(
        async () => agentOutput,
        (out) => /capturing HTTP with eBPF|NOT capturing/.test(out) || agent?.exitCode !== null,
        60_000,
      );
      expect(capturing, capturing).toContain('capturing HTTP with eBPF');
      expect(capturing).toContain(`shipping to ${stack.ingestUrl}`);

      const target = await startHttpTarget();
      try {
        const marker = `/installed-${randomBytes(4).toString('hex')}`;
        const paths = Array.from({ length: 20 }, (_, i) => `${marker}/${i}`);
        curl(paths.map((p) => `http://127.0.0.1:${target.port}${p}`));
        const rows = await eventually(
          () => allRequests(viaConsole, { pathContains: marker }),
          (r) => r.filter((x) => x.side === 'server').length >= 20,
          45_000,
        );
        const server = rows.filter((r) => r.side === 'server');
        expect(new Set(server.map((r) => r.path))).toEqual(new Set(paths));
        expect(rows.every((r) => r.agentId === agentId)).toBe(true);
        expect(server.every((r) => r.pid === target.pid && r.status === 200)).toBe(true);
      } finally {
        await target.stop();
      }
    },
  );

  it('re-running upgrades in place: same identity, host Node.js, no token needed', async () => {
    const key = fs.readFileSync(path.join(stateDir, 'agent', 'key.pem'), 'utf8');
    const r = await pipeInstall(installUrl, ['--prefix', prefix, '--state-dir', stateDir, '--no-start']);
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toContain('already enrolled');
    expect(r.stdout).toContain('using Node.js');
    expect(fs.existsSync(path.join(prefix, 'node'))).toBe(false);
    expect(fs.readFileSync(path.join(stateDir, 'agent', 'key.pem'), 'utf8')).toBe(key);
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'agent', 'credentials.json'), 'utf8')).agentId).toBe(agentId);
    expect((await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { id: tokenId } })).uses).toBe(1);
    const status = spawnSync(path.join(prefix, 'bin', 'bathyscope-agent'), ['--help'], {
      encoding: 'utf8',
      env: withoutAgentEnv(),
    });
    expect(status.stdout).toContain('usage: bathyscope-agent');
  });

  it('--uninstall stops the agent and removes the prefix, its identity and state', async () => {
    const r = await pipeInstall(installUrl, ['--uninstall', '--prefix', prefix]);
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toContain(`uninstalled from ${prefix}`);
    expect(fs.existsSync(prefix)).toBe(false);
    expect(fs.existsSync(stateDir)).toBe(false);
    if (agent) {
      if (!skipEbpf) expect(r.stdout).toContain('stopping agent processes');
      await eventually(
        async () => agent?.exitCode !== null || agent?.signalCode !== null,
        (exited) => exited,
        15_000,
      );
      expect(agent.exitCode !== null || agent.signalCode !== null).toBe(true);
    }
  });

  it('an unknown or expired token fails with the reason and leaves no half install', async () => {
    const expired = await createToken(viaConsole);
    await testPrisma().enrollmentToken.update({
      where: { id: expired.enrollmentToken.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    for (const [bad, code] of [
      [`bset_${'a'.repeat(12)}_${'b'.repeat(43)}`, 'TOKEN_INVALID'],
      [expired.token, 'TOKEN_EXPIRED'],
    ] as const) {
      const badPrefix = path.join(tmp, `bad-${code}`);
      const badState = path.join(tmp, `bad-${code}-state`);
      const r = await pipeInstall(installUrl, [
        '--token',
        bad,
        '--prefix',
        badPrefix,
        '--state-dir',
        badState,
        '--no-start',
      ]);
      expect(r.code, r.out).toBe(1);
      expect(r.stderr).toContain(code);
      expect(r.stderr).toContain('enrollment failed (the reason is above); nothing was installed');
      expect(r.out).not.toContain(bad);
      expect(fs.existsSync(badPrefix)).toBe(false);
      expect(fs.existsSync(badState)).toBe(false);
    }
  });

  it('refuses a bundle whose checksum does not match, and leaves nothing behind', async () => {
    // A control plane that serves the real bundle with a wrong checksum (a tampered mirror, a broken proxy).
    const sums = (
      await fetchBytes(`${stack.apiUrl}/downloads/bathyscope-agent-linux-${ARCH}.tar.gz.sha256`)
    ).body.toString();
    const file = sums.trim().split(/\s+/)[1] as string;
    const server = http.createServer((req, res) => {
      if (req.url?.endsWith('.sha256')) {
        res.end(`${'0'.repeat(64)}  ${file}\n`);
        return;
      }
      fetch(`${stack.apiUrl}${req.url}`)
        .then(async (upstream) => {
          res.writeHead(upstream.status);
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const badPrefix = path.join(tmp, 'tampered');
      const r = await pipeInstall(installUrl, [
        '--server',
        mirror,
        '--token',
        token,
        '--prefix',
        badPrefix,
        '--no-start',
      ]);
      expect(r.code, r.out).toBe(1);
      expect(r.stderr).toContain(`checksum mismatch for ${file}`);
      expect(fs.existsSync(badPrefix)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect((await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { id: tokenId } })).uses).toBe(1);
  });
});
