import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { eventually, GraphQLSession } from '../kit/graphql-client';

const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';
const PORT = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 14000) + 12;
const REQUESTS = 5;

interface TlsRow {
  side: string;
  pid: number;
  processName: string;
  method: string;
  path: string;
  status: number;
  isTls: boolean;
}

const QUERY = `query($t: TimeRangeInput!, $f: RequestFilterInput, $p: PageInput) {
  requests(timeRange: $t, filter: $f, page: $p) { edges { node { side pid processName method path status isTls } } }
}`;

async function rowsContaining(session: GraphQLSession, marker: string): Promise<TlsRow[]> {
  const r = await session.request<{ requests: { edges: { node: TlsRow }[] } }>(QUERY, {
    t: { from: new Date(Date.now() - 600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    f: { pathContains: marker },
    p: { first: 500 },
  });
  if (r.errors || !r.data) throw new Error(`requests query failed: ${JSON.stringify(r.errors)}`);
  return r.data.requests.edges.map((e) => e.node);
}

interface TlsStatus {
  library: string | null;
  error: string | null;
  processes: { pid: number; comm: string }[];
}

function agentTlsStatus(): TlsStatus | undefined {
  const file = path.join(stack.stateDir, 'agent', 'status.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).capabilities?.tls;
}

describe.skipIf(skipEbpf)('TLS: HTTPS between curl and nginx is seen in plaintext through OpenSSL uprobes', () => {
  const marker = `bstls${randomBytes(4).toString('hex')}`;
  const session = new GraphQLSession(stack.apiUrl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-tls-'));
  let nginx: ChildProcess;
  let slowCurl: ChildProcess;
  let silent: net.Server;

  beforeAll(async () => {
    if (!stack.agentCapturing) throw new Error(`the agent is not capturing: ${stack.agentProblems.join('; ')}`);
    await session.login(stack.demo.email, stack.demo.password);
    const cert = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
    ]);
    expect(cert.status).toBe(0);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir};`).join(' ');
    fs.writeFileSync(
      path.join(dir, 'nginx.conf'),
      `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events {}
http { access_log off; ${temp}
  server { listen 127.0.0.1:${PORT} ssl; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
    location /${marker}/ok { return 200 "ok\\n"; } } }
`,
    );
    nginx = spawn('/usr/sbin/nginx', ['-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
    await new Promise((r) => setTimeout(r, 500));
  }, 30_000);

  afterAll(() => {
    slowCurl?.kill();
    silent?.close();
    nginx?.kill('SIGQUIT');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports the probed libssl and covers the nginx and curl processes mapping it', async () => {
    // A curl kept waiting for a TLS handshake that never comes: alive (with libssl mapped) while the report is read.
    silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(PORT + 1, '127.0.0.1', resolve));
    slowCurl = spawn('curl', ['-sk', '--max-time', '30', `https://127.0.0.1:${PORT + 1}/`], { stdio: 'ignore' });
    const status = await eventually(
      async () => agentTlsStatus(),
      (s) => s?.processes.some((p) => p.pid === slowCurl.pid) === true,
      20_000,
    );
    expect(status?.error).toBeNull();
    expect(status?.library).toMatch(/libssl\.so\.3$/);
    const pids = new Set(status?.processes.map((p) => p.pid));
    expect(pids.has(nginx.pid as number)).toBe(true);
    expect(pids.has(slowCurl.pid as number)).toBe(true);
    slowCurl.kill();
  }, 40_000);

  it(`stores exactly ${REQUESTS} plaintext HTTP rows per side with method, path and status, marked TLS`, async () => {
    for (let i = 0; i < REQUESTS; i++) {
      const r = spawnSync('curl', ['-sk', `https://127.0.0.1:${PORT}/${marker}/ok?i=${i}`], { encoding: 'utf8' });
      expect(r.stdout).toBe('ok\n');
    }
    const want = (rows: TlsRow[]) => rows.filter((r) => r.path.includes('/ok?'));
    let rows = await eventually(
      () => rowsContaining(session, marker),
      (r) => want(r).length >= REQUESTS * 2,
      40_000,
    );
    await new Promise((r) => setTimeout(r, 2000));
    rows = await rowsContaining(session, marker);
    const ok = want(rows);
    expect(ok).toHaveLength(REQUESTS * 2);
    for (const side of ['client', 'server']) {
      const mine = ok.filter((r) => r.side === side);
      expect(mine.map((r) => r.path).sort()).toEqual(
        Array.from({ length: REQUESTS }, (_, i) => `/${marker}/ok?i=${i}`).sort(),
      );
      expect(mine.every((r) => r.method === 'GET' && r.status === 200 && r.isTls)).toBe(true);
      expect(new Set(mine.map((r) => r.processName))).toEqual(new Set([side === 'client' ? 'curl' : 'nginx']));
    }
    // Nothing else (no row made of ciphertext) carries the marker.
    expect(rows).toHaveLength(REQUESTS * 2);
  }, 60_000);
});
