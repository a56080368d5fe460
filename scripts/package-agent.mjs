#!/usr/bin/env node
// Builds the self-contained agent bundle that install.sh and the DaemonSet image use:
//   <out>/bathyscope-agent-<version>-linux-<arch>.tar.gz   (+ .sha256 in `sha256sum -c` format)
//   <out>/bathyscope-agent-linux-<arch>.json               index: the current file, its sha256 and size
// Input is what `npm run build` leaves behind (apps/agent/dist, the workspace packages' dist, native/build); the
// agent and its workspace dependencies are bundled into one file with esbuild, so the bundle needs no
// node_modules. The tarball is reproducible (sorted, fixed owner and mtime, gzip without a timestamp): the same
// inputs give the same sha256, so re-packaging is harmless and caches can key on the hash.
//
//   node scripts/package-agent.mjs [--out DIR]      (default DIR: dist/agent-bundles)
// Prints the index as JSON on stdout. The control plane runs it lazily (apps/api/src/modules/install).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** ELF e_machine of the architectures the agent supports, to refuse an addon built for another one. */
const ELF_MACHINE = { x64: 0x3e, arm64: 0xb7 };

/** Shared libraries the addon links that are not part of every base system; the bundle carries them. */
const BUNDLED_LIBS = /^(libbpf|libelf)\.so/;

class PackageError extends Error {}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function need(file, hint) {
  if (!fs.existsSync(file)) throw new PackageError(`${path.relative(root, file)} is missing: ${hint}`);
  return file;
}

function elfMachine(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    fs.readSync(fd, header, 0, 20, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) throw new PackageError(`${file} is not an ELF file`);
    return header.readUInt16LE(18);
  } finally {
    fs.closeSync(fd);
  }
}

/** `ldd` lines like `libbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x…)`: the libraries to carry along. */
function libsToBundle(addon) {
  const out = execFileSync('ldd', [addon], { encoding: 'utf8' });
  const libs = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)/.exec(line);
    if (m && BUNDLED_LIBS.test(m[1])) libs.push({ name: m[1], file: m[2] });
  }
  if (!libs.some((l) => l.name.startsWith('libbpf'))) {
    throw new PackageError(`ldd does not show libbpf for ${addon}: is the addon built against libbpf?`);
  }
  return libs;
}

async function bundleAgentJs(entry) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new PackageError('esbuild is not installed (npm install at the repository root provides it)');
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    outfile: 'lib/agent.js',
    legalComments: 'inline',
    logLevel: 'silent',
    // The addon is loaded at run time from `<bundle>/build/Release` (see layout below); nothing else is external.
    external: ['*.node'],
  });
  for (const w of result.warnings) {
    // protobufjs probes optional modules with a computed require; that is expected and harmless.
    if (!/require/.test(w.text)) process.stderr.write(`package-agent: esbuild warning: ${w.text}\n`);
  }
  return result.outputFiles[0].contents;
}

/**
 * The bundle mirrors a package root, because the compiled code finds its assets relative to its own directory:
 * `lib/agent.js` (the bundled dist), `../build/Release/*.node` (native/lib/addon.ts), `../proto/…`
 * (packages/wire/src/codec.ts). So every `path.join(__dirname, '..', X)` in the sources lands on `<bundle>/X`.
 */
async function collectFiles() {
  const agentPkg = JSON.parse(fs.readFileSync(path.join(root, 'apps/agent/package.json'), 'utf8'));
  const build = 'run `npm run build` first';
  const entry = need(path.join(root, 'apps/agent/dist/main.js'), build);
  const addon = need(path.join(root, 'native/build/Release/bathyscope_native.node'), build);
  const protoDir = need(path.join(root, 'packages/wire/proto'), 'the wire package is incomplete');
  const wrapper = need(path.join(root, 'apps/agent/bin/bathyscope-agent'), 'the agent wrapper is missing');

  const arch = process.arch;
  if (!(arch in ELF_MACHINE)) throw new PackageError(`unsupported architecture ${arch} (x64 and arm64 are)`);
  if (elfMachine(addon) !== ELF_MACHINE[arch]) {
    throw new PackageError(`${path.relative(root, addon)} was not built for ${arch}: rebuild it on this machine`);
  }

  const files = [
    { path: 'bin/bathyscope-agent', data: fs.readFileSync(wrapper), mode: 0o755 },
    { path: 'lib/agent.js', data: Buffer.from(await bundleAgentJs(entry)), mode: 0o644 },
    { path: 'build/Release/bathyscope_native.node', data: fs.readFileSync(addon), mode: 0o755 },
  ];
  for (const lib of libsToBundle(addon)) {
    files.push({ path: `lib/native/${lib.name}`, data: fs.readFileSync(lib.file), mode: 0o644 });
  }
  for (const rel of fs.readdirSync(protoDir, { recursive: true })) {
    const abs = path.join(protoDir, rel);
    if (fs.statSync(abs).isFile()) files.push({ path: `proto/${rel}`, data: fs.readFileSync(abs), mode: 0o644 });
  }
  const manifest = {
    name: 'bathyscope-agent',
    version: agentPkg.version,
    platform: 'linux',
    arch,
    node: '>=20',
    files: Object.fromEntries(files.map((f) => [f.path, sha256(f.data)]).sort(([a], [b]) => a.localeCompare(b))),
  };
  files.push({ path: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), mode: 0o644 });
  return { version: agentPkg.version, arch, files };
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Packages the agent into `outDir`; returns the index (also written next to the tarball). */
export async function packageAgent({ outDir = path.join(root, 'dist', 'agent-bundles') } = {}) {
  const { version, arch, files } = await collectFiles();
  const base = `bathyscope-agent-${version}-linux-${arch}`;
  fs.mkdirSync(outDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(outDir, '.stage-'));
  try {
    for (const f of files) {
      const target = path.join(stage, base, f.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.data, { mode: f.mode });
      fs.chmodSync(target, f.mode);
    }
    // GNU tar options that make the archive depend on the contents only.
    const tar = execFileSync(
      'tar',
      [
        '--sort=name',
        '--mtime=@0',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mode=u=rwX,go=rX',
        '--format=gnu',
        '-C',
        stage,
        '-cf',
        '-',
        base,
      ],
      { maxBuffer: 1 << 30 },
    );
    const gz = gzipSync(tar, { level: 9 });
    const digest = sha256(gz);
    const file = `${base}.tar.gz`;
    writeAtomic(path.join(outDir, file), gz);
    writeAtomic(path.join(outDir, `${file}.sha256`), `${digest}  ${file}\n`);
    const index = {
      name: 'bathyscope-agent',
      version,
      platform: 'linux',
      arch,
      file,
      sha256: digest,
      bytes: gz.length,
    };
    writeAtomic(path.join(outDir, `bathyscope-agent-linux-${arch}.json`), `${JSON.stringify(index, null, 2)}\n`);
    return index;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  try {
    const index = await packageAgent(values.out ? { outDir: path.resolve(values.out) } : {});
    process.stdout.write(`${JSON.stringify(index)}\n`);
  } catch (err) {
    process.stderr.write(`package-agent: ${err instanceof PackageError ? err.message : err.stack}\n`);
    process.exit(1);
  }
}
