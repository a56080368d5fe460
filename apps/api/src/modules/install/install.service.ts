import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BathyscopeConfig, repoRoot } from '@bathyscope/config';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../../infra/tokens.js';
import type { AgentInstallInstructions } from './dto/install.types.js';
import { enrollCommand, installCommand, renderInstallScript } from './install-script.js';
import { ingestUrlFor, InstallUrlError, type RequestAddress, requestOrigin } from './install-urls.js';
import { agentKubernetesManifest } from './kubernetes-manifest.js';

function agentVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'apps', 'agent', 'package.json'), 'utf8'));
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    // a deployment without the agent's sources: fall back to the control plane's own version
  }
  const own = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));
  return own.version as string;
}

/** Image the DaemonSet runs unless BATHYSCOPE_AGENT_IMAGE names another (apps/agent/Dockerfile builds it). */
export const DEFAULT_AGENT_IMAGE_REPOSITORY = 'ghcr.io/bathyscope/bathyscope-agent';

/**
 * Addresses baked into install.sh and the install instructions. They follow the address the caller used (the
 * console's proxy forwards its Host): the URL that served the script or showed the command is one the installing
 * host was given by the same person, and the control plane serves install.sh and /downloads on both its own and
 * the console's address.
 */
@Injectable()
export class InstallService {
  readonly agentImage: string;

  constructor(@Inject(CONFIG) private readonly config: BathyscopeConfig) {
    this.agentImage = process.env.BATHYSCOPE_AGENT_IMAGE || `${DEFAULT_AGENT_IMAGE_REPOSITORY}:${agentVersion()}`;
  }

  urls(req: RequestAddress): { serverUrl: string; ingestUrl: string } {
    const serverUrl = requestOrigin(req);
    return { serverUrl, ingestUrl: ingestUrlFor(serverUrl, this.config) };
  }

  script(req: RequestAddress): string {
    return renderInstallScript(this.urls(req));
  }

  instructions(token: string, req: RequestAddress): AgentInstallInstructions {
    let urls: { serverUrl: string; ingestUrl: string };
    try {
      urls = this.urls(req);
    } catch (err) {
      if (!(err instanceof InstallUrlError)) throw err;
      // A GraphQL call with an odd Host still gets working commands: the configured console address.
      urls = { serverUrl: this.config.webUrl, ingestUrl: ingestUrlFor(this.config.webUrl, this.config) };
    }
    return {
      script: installCommand(urls.serverUrl, token),
      cli: enrollCommand(urls.ingestUrl, token),
      kubernetes: agentKubernetesManifest({ token, ingestUrl: urls.ingestUrl, image: this.agentImage }),
    };
  }
}
