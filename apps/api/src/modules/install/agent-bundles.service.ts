import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type BathyscopeConfig, repoRoot } from '@bathyscope/config';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG } from '../../infra/tokens.js';
import type { AgentArch } from './download-names.js';

const execFileAsync = promisify(execFile);

/** What scripts/package-agent.mjs writes as `bathyscope-agent-linux-<arch>.json`. */
export interface AgentBundle {
  version: string;
  arch: AgentArch;
  file: string;
  sha256: string;
  bytes: number;
  /** Absolute path of the tarball. */
  path: string;
}

export interface NodeBinary {
  path: string;
  sha256: string;
  bytes: number;
}

export class BundleUnavailableError extends Error {}

function isBundleIndex(v: unknown): v is Omit<AgentBundle, 'path'> {
  const o = v as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.version === 'string' &&
    typeof o.arch === 'string' &&
    typeof o.file === 'string' &&
    /^[A-Za-z0-9._-]+$/.test(o.file) &&
    typeof o.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(o.sha256) &&
    typeof o.bytes === 'number'
  );
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The agent bundles and the Node.js binary that /downloads serves.
 *
 * - `BATHYSCOPE_AGENT_BUNDLE_DIR` set: bundles were built ahead (CI, an image) with `scripts/package-agent.mjs
 *   --out <dir>`, possibly for several architectures; they are served as they are.
 * - otherwise the bundle for this machine's architecture is packaged from the build output on first request, into
 *   `<state>/agent-bundles` (about half a second; the tarball is reproducible, so a later run rewrites the same
 *   bytes). It is built once per process: restart the server after rebuilding the agent.
 *
 * Node.js: the server's own binary (process.execPath), for hosts whose Node.js is missing or too old — only for
 * its own architecture, and only when it is a standalone binary (not a distribution's build linked to libnode).
 */
@Injectable()
export class AgentBundlesService {
  private readonly log = new Logger('AgentBundles');
  private readonly prebuiltDir: string | undefined;
  private readonly dir: string;
  private packaging: Promise<AgentBundle> | undefined;
  private node: Promise<NodeBinary | null> | undefined;

  constructor(@Inject(CONFIG) config: BathyscopeConfig) {
    this.prebuiltDir = process.env.BATHYSCOPE_AGENT_BUNDLE_DIR || undefined;
    this.dir = this.prebuiltDir ?? path.join(config.stateDir, 'agent-bundles');
  }

  /** The current bundle for `arch`; null when this control plane has none for it. */
  async bundle(arch: AgentArch): Promise<AgentBundle | null> {
    if (this.prebuiltDir) return this.readIndex(arch);
    if (arch !== process.arch) return null;
    this.packaging ??= this.packageNow().catch((err: Error) => {
      // Not cached: the next request tries again (after `npm run build`, say).
      this.packaging = undefined;
      throw err;
    });
    return this.packaging;
  }

  async nodeBinary(arch: AgentArch): Promise<NodeBinary | null> {
    if (arch !== process.arch) return null;
    this.node ??= this.describeNode().catch((err: Error) => {
      this.node = undefined;
      throw err;
    });
    return this.node;
  }

  private async readIndex(arch: AgentArch): Promise<AgentBundle | null> {
    const indexFile = path.join(this.dir, `bathyscope-agent-linux-${arch}.json`);
    let raw: string;
    try {
      raw = await fs.promises.readFile(indexFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const index: unknown = JSON.parse(raw);
    if (!isBundleIndex(index) || index.arch !== arch) {
      throw new BundleUnavailableError(`${indexFile} is not a bundle index for ${arch}`);
    }
    return { ...index, arch, path: path.join(this.dir, index.file) };
  }

  private async packageNow(): Promise<AgentBundle> {
    const script = path.join(repoRoot, 'scripts', 'package-agent.mjs');
    const started = Date.now();
    try {
      await execFileAsync(process.execPath, [script, '--out', this.dir], { timeout: 120_000 });
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
      this.log.error(`packaging the agent failed: ${stderr || (err as Error).message}`);
      throw new BundleUnavailableError(stderr.replace(/^package-agent: /, '') || 'packaging the agent failed');
    }
    const bundle = await this.readIndex(process.arch as AgentArch);
    if (!bundle) throw new BundleUnavailableError('the packaged agent left no index');
    this.log.log(`agent bundle ${bundle.file} (${bundle.bytes} bytes) packaged in ${Date.now() - started} ms`);
    return bundle;
  }

  private async describeNode(): Promise<NodeBinary | null> {
    const file = process.execPath;
    try {
      const { stdout } = await execFileAsync('ldd', [file]);
      if (/libnode\.so/.test(stdout)) {
        this.log.warn(`${file} needs libnode: it cannot be served to other hosts`);
        return null;
      }
    } catch {
      // Statically linked (ldd refuses) or no ldd: the binary stands alone either way.
    }
    const [sha256, stat] = await Promise.all([sha256File(file), fs.promises.stat(file)]);
    return { path: file, sha256, bytes: stat.size };
  }
}
