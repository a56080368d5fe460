import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertSafeUrl } from './install-urls.js';

/**
 * The installer is a plain POSIX sh file next to this module (so shellcheck and `sh -n` read it as it is);
 * src/ is resolved from both src/ (tests) and dist/ (the server), which sit at the same depth.
 */
export const INSTALL_SCRIPT_TEMPLATE = path.join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'src',
  'modules',
  'install',
  'install.sh',
);

let template: string | undefined;

function loadTemplate(): string {
  template ??= fs.readFileSync(INSTALL_SCRIPT_TEMPLATE, 'utf8');
  return template;
}

function bake(script: string, name: string, value: string): string {
  const line = new RegExp(`^${name}=''$`, 'm');
  if (!line.test(script)) throw new Error(`install.sh has no ${name}='' line to fill in`);
  // The URL was checked to hold no quote, backslash or `$`, so single quotes keep it literal.
  return script.replace(line, () => `${name}='${value}'`);
}

/** install.sh with the control plane's URL (downloads) and the ingest gateway's (enrollment) as defaults. */
export function renderInstallScript(urls: { serverUrl: string; ingestUrl: string }, source = loadTemplate()): string {
  const withServer = bake(source, 'BAKED_SERVER_URL', assertSafeUrl(urls.serverUrl));
  return bake(withServer, 'BAKED_INGEST_URL', assertSafeUrl(urls.ingestUrl));
}

/** The one-liner the console shows: pipe the served script into sh with the token. */
export function installCommand(serverUrl: string, token: string): string {
  return `curl -fsSL ${assertSafeUrl(serverUrl)}/install.sh | sudo sh -s -- --token ${token}`;
}

export function enrollCommand(ingestUrl: string, token: string): string {
  return `bathyscope-agent enroll --token ${token} --server ${assertSafeUrl(ingestUrl)}`;
}
