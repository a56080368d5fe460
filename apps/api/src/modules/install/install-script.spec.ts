import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enrollCommand, INSTALL_SCRIPT_TEMPLATE, installCommand, renderInstallScript } from './install-script';
import { InstallUrlError } from './install-urls';

const template = fs.readFileSync(INSTALL_SCRIPT_TEMPLATE, 'utf8');
const urls = { serverUrl: 'http://127.0.0.1:3000', ingestUrl: 'http://127.0.0.1:4001' };
const rendered = renderInstallScript(urls, template);
const token = `bset_a1b2c3d4e5f6_${'Q'.repeat(43)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bathyscope-install-sh-'));
const scriptFile = path.join(tmp, 'install.sh');
fs.writeFileSync(scriptFile, rendered);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the rendered installer with the system's POSIX sh (dash on Debian), as `curl … | sh -s --` would. */
function runInstaller(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('sh', ['-s', '--', ...args], {
    input: rendered,
    encoding: 'utf8',
    env: { ...process.env, BATHYSCOPE_ENROLLMENT_TOKEN: '', ...env },
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A directory whose `uname` reports another system, put first on PATH. */
function unameShim(system: string, machine: string, release: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'uname-'));
  fs.writeFileSync(
    path.join(dir, 'uname'),
    `#!/bin/sh\ncase $1 in -s) echo ${system} ;; -m) echo ${machine} ;; -r) echo ${release} ;; *) exec /bin/uname "$@" ;; esac\n`,
    { mode: 0o755 },
  );
  return `${dir}:${process.env.PATH}`;
}

describe('renderInstallScript', () => {
  it('fills in the two URL lines and nothing else', () => {
    const before = template.split('\n');
    const after = rendered.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    expect(changed).toEqual(["BAKED_SERVER_URL='http://127.0.0.1:3000'", "BAKED_INGEST_URL='http://127.0.0.1:4001'"]);
  });

  it('refuses URLs that could break out of the quotes', () => {
    expect(() => renderInstallScript({ ...urls, serverUrl: "http://x'$(id)'" }, template)).toThrow(InstallUrlError);
    expect(() => renderInstallScript({ ...urls, ingestUrl: 'http://x\n' }, template)).toThrow(InstallUrlError);
    expect(() => renderInstallScript(urls, '#!/bin/sh\n')).toThrow(/BAKED_SERVER_URL/);
  });

  it('is valid POSIX sh', () => {
    const r = spawnSync('sh', ['-n', scriptFile], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('builds the one-line install and the enroll command', () => {
    expect(installCommand(urls.serverUrl, token)).toBe(
      `curl -fsSL http://127.0.0.1:3000/install.sh | sudo sh -s -- --token ${token}`,
    );
    expect(enrollCommand(urls.ingestUrl, token)).toBe(
      `bathyscope-agent enroll --token ${token} --server http://127.0.0.1:4001`,
    );
  });
});

describe('install.sh (run with sh, stops before any download)', () => {
  const prefix = path.join(tmp, 'prefix');
  const common = ['--prefix', prefix, '--no-start'];

  it('prints its options with the baked-in defaults', () => {
    const r = runInstaller(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '--server <URL>      control plane to download the agent from (default http://127.0.0.1:3000)',
    );
    expect(r.stdout).toContain('(default http://127.0.0.1:4001)');
    for (const flag of ['--token', '--prefix', '--state-dir', '--no-start', '--uninstall']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('refuses unknown options and stray tokens without echoing the token', () => {
    expect(runInstaller(['--bogus'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown option --bogus'),
    });
    const stray = runInstaller([token]);
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain('pass it as --token');
    expect(stray.stderr + stray.stdout).not.toContain(token);
    const notAToken = runInstaller(['--token', 'hunter2-secret', ...common]);
    expect(notAToken.code).toBe(1);
    expect(notAToken.stderr).toContain('not an enrollment token');
    expect(notAToken.stderr).not.toContain('hunter2');
    expect(runInstaller(['--token'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--token needs a value'),
    });
  });

  it('refuses relative, odd and root paths', () => {
    for (const [args, message] of [
      [['--prefix', 'relative/dir'], '--prefix must be an absolute path'],
      [['--prefix', '/tmp/a b'], '--prefix may only contain'],
      [['--prefix', '/opt/../usr'], 'must not contain . or ..'],
      [['--prefix', '/'], '--prefix must not be /'],
      [['--prefix', prefix, '--state-dir', '/var/lib/$(id)'], '--state-dir may only contain'],
    ] as const) {
      const r = runInstaller([...args, '--token', token, '--no-start']);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
    }
  });

  it('the repository copy (nothing baked in) needs --server and --ingest', () => {
    const r = spawnSync('sh', ['-s', '--', '--token', token, ...common], { input: template, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--server <control plane URL> is needed');
    const i = spawnSync('sh', ['-s', '--', '--server', urls.serverUrl, '--token', token, ...common], {
      input: template,
      encoding: 'utf8',
    });
    expect(i.stderr).toContain('--ingest <ingest gateway URL> is needed');
  });

  it('needs a token when the host is not enrolled yet, and leaves nothing behind', () => {
    const r = runInstaller(common);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('an enrollment token is needed');
    expect(fs.existsSync(prefix)).toBe(false);
  });

  it('checks the platform: Linux, a supported CPU, kernel 5.8 or newer', () => {
    const run = (system: string, machine: string, release: string) =>
      runInstaller(['--token', token, ...common], { PATH: unameShim(system, machine, release) });
    expect(run('Darwin', 'arm64', '23.1.0').stderr).toContain('runs on Linux only (this is Darwin)');
    expect(run('Linux', 'riscv64', '6.8.0').stderr).toContain('unsupported CPU architecture riscv64');
    const old = run('Linux', 'x86_64', '5.4.0-150-generic');
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('Linux 5.4.0-150-generic is too old');
    expect(run('Linux', 'x86_64', 'weird').stderr).toContain('cannot read the kernel version');
    expect(fs.existsSync(prefix)).toBe(false);
  });

  it('without systemd (and without --no-start) says to use --no-start', () => {
    if (fs.existsSync('/run/systemd/system')) return; // a systemd host takes the other branch
    const r = runInstaller(['--token', token, '--prefix', prefix]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('systemd is not running on this host: re-run with --no-start');
  });

  it('as a user other than root: installs only with --no-start, into directories it can write', () => {
    // As root, become nobody for this; as anyone else, the test already runs unprivileged.
    const asUser = (args: string[]) => {
      const cmd = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--', 'sh'] : ['sh'];
      const r = spawnSync(cmd[0] as string, [...cmd.slice(1), '-s', '--', ...args], {
        input: rendered,
        encoding: 'utf8',
        cwd: '/',
      });
      return { code: r.status, stderr: r.stderr };
    };
    expect(asUser(['--token', token, '--prefix', prefix])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('run as root (sudo)'),
    });
    expect(asUser(['--token', token, '--prefix', '/opt/bathyscope-test-unwritable', '--no-start'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot write /opt/bathyscope-test-unwritable'),
    });
    expect(fs.existsSync('/opt/bathyscope-test-unwritable')).toBe(false);
  });

  it('installs into an empty or new prefix only, and uninstalls only its own installations', () => {
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'keep.txt'), 'not ours');
    const install = runInstaller(['--token', token, '--prefix', foreign, '--no-start']);
    expect(install.code).toBe(1);
    expect(install.stderr).toContain('is not a Bathyscope agent installation');
    const uninstall = runInstaller(['--uninstall', '--prefix', foreign]);
    expect(uninstall.code).toBe(1);
    expect(uninstall.stderr).toContain('not deleting it');
    expect(fs.readFileSync(path.join(foreign, 'keep.txt'), 'utf8')).toBe('not ours');
    expect(runInstaller(['--uninstall', '--prefix', path.join(tmp, 'never')])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('nothing is installed'),
    });
  });
});
