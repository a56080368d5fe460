#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Builds a second copy of the addon with AddressSanitizer + UndefinedBehaviorSanitizer into native/build-asan/:
//   build-asan/binding.gyp            generated from native/binding.gyp (same sources, sanitizer flags added)
//   build-asan/build/Release/*.node   the sanitized addon
//   build-asan/dist/                  a copy of native/dist, so `require('native/build-asan/dist')` is the normal
//                                     TS wrapper loading the sanitized addon (ADDON_PATH = dist/../build/Release)
// Generated rather than a second target in binding.gyp so the product build never compiles (or links) twice.
// Needs the BPF skeletons and dist/ from `npm run build -w @bathyscope/native`.
// Usage: node native/scripts/build-sanitized.mjs  (run under `flock /tmp/native-build.lock` like the normal build)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(nativeDir, 'build-asan');
const SANITIZE = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined', '-g'];

for (const needed of ['../bpf/.output/socket_trace.skel.h', 'dist/index.js']) {
  if (!existsSync(path.join(nativeDir, needed)))
    throw new Error(`${needed} is missing: run \`npm run build -w @bathyscope/native\` first`);
}

// binding.gyp is a Python literal with # comments; the file has no '#' inside strings.
const gypText = readFileSync(path.join(nativeDir, 'binding.gyp'), 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*$/, ''))
  .join('\n')
  .replace(/,(\s*[\]}])/g, '$1');
const gyp = JSON.parse(gypText);
const main = gyp.targets.find((t) => t.target_name === 'bathyscope_native');
if (!main) throw new Error('binding.gyp has no bathyscope_native target');
// Paths in the generated file are relative to build-asan/, one level below native/.
const up = (p) => (p.startsWith('<') || path.isAbsolute(p) ? p : path.join('..', p));
const target = {
  ...main,
  sources: main.sources.map(up),
  include_dirs: (main.include_dirs ?? []).map(up),
  cflags: [...(main.cflags ?? []), ...SANITIZE],
  cflags_cc: [...(main.cflags_cc ?? []), ...SANITIZE],
  ldflags: [...(main.ldflags ?? []), '-fsanitize=address,undefined'],
};
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'binding.gyp'), `${JSON.stringify({ targets: [target] }, null, 2)}\n`);

const nodeGyp = path.join(
  path.dirname(process.execPath),
  '..',
  'lib',
  'node_modules',
  'npm',
  'node_modules',
  'node-gyp',
);
const gypBin = existsSync(path.join(nodeGyp, 'bin', 'node-gyp.js'))
  ? [process.execPath, [path.join(nodeGyp, 'bin', 'node-gyp.js')]]
  : ['node-gyp', []];
// Like the normal build: local Node headers (npm's `nodedir`), never a header download.
const nodedir = process.env.npm_config_nodedir ?? (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
const r = spawnSync(gypBin[0], [...gypBin[1], 'rebuild', '--jobs=1', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
  cwd: outDir,
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);
cpSync(path.join(nativeDir, 'dist'), path.join(outDir, 'dist'), { recursive: true });
console.log(`sanitized addon: ${path.join(outDir, 'build', 'Release', 'bathyscope_native.node')}`);
