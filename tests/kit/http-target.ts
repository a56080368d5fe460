import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** A real HTTP server in its own process (so the agent sees a separate server pid), on a random port. */
export async function startHttpTarget(): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const code = `
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      const m = /\\/status\\/(\\d{3})/.exec(req.url);
      const status = m ? Number(m[1]) : 200;
      req.resume();
      req.on('end', () => { res.writeHead(status, { 'content-type': 'text/plain' }); res.end('hello ' + req.url); });
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`http target exited ${c}`)));
  });
  return {
    port,
    pid: child.pid as number,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Makes the requests with curl over one keep-alive connection per batch, as a user would from a shell. */
export function curl(urls: string[], extra: string[] = []): void {
  for (let i = 0; i < urls.length; i += 50) {
    const batch = urls.slice(i, i + 50);
    const args = ['-s', '--fail-with-body', ...extra];
    for (const u of batch) args.push('-o', '/dev/null', u);
    const r = spawnSync('curl', args, { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 22) throw new Error(`curl failed (${r.status}): ${r.stderr}`);
  }
}
