import * as fs from 'node:fs';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AgentBundle, AgentBundlesService, BundleUnavailableError } from './agent-bundles.service.js';
import { parseDownloadName } from './download-names.js';
import { InstallService } from './install.service.js';
import { InstallUrlError } from './install-urls.js';

type ErrorCode = 'NOT_FOUND' | 'BAD_REQUEST' | 'BUNDLE_UNAVAILABLE';

function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error: { code, message } });
}

function checksumLine(sha256: string, file: string): string {
  return `${sha256}  ${file}\n`;
}

/**
 * Unauthenticated on purpose: installing needs an enrollment token, and that is checked at enrollment; the
 * script and the bundle hold no secret. The console proxies both paths (apps/web/app/install.sh,
 * apps/web/app/downloads) so `<console>/install.sh` works.
 */
@Controller()
export class InstallController {
  constructor(
    @Inject(InstallService) private readonly install: InstallService,
    @Inject(AgentBundlesService) private readonly bundles: AgentBundlesService,
  ) {}

  @Get('install.sh')
  script(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    let body: string;
    try {
      body = this.install.script(req);
    } catch (err) {
      if (err instanceof InstallUrlError) return sendError(reply, 400, 'BAD_REQUEST', err.message);
      throw err;
    }
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
  }

  @Get('downloads/:file')
  async download(@Param('file') file: string, @Res() reply: FastifyReply) {
    const wanted = parseDownloadName(file);
    if (!wanted) return sendError(reply, 404, 'NOT_FOUND', `no download named "${file.slice(0, 128)}"`);

    if (wanted.kind === 'node') {
      const node = await this.bundles.nodeBinary(wanted.arch);
      if (!node)
        return sendError(reply, 404, 'NOT_FOUND', `this control plane has no Node.js for linux-${wanted.arch}`);
      if (wanted.checksum) return this.sendText(reply, checksumLine(node.sha256, `node-linux-${wanted.arch}`));
      return this.sendFile(reply, node.path, node.bytes, 'application/octet-stream', `node-linux-${wanted.arch}`);
    }

    let bundle: AgentBundle | null;
    try {
      bundle = await this.bundles.bundle(wanted.arch);
    } catch (err) {
      if (err instanceof BundleUnavailableError) {
        return sendError(reply, 503, 'BUNDLE_UNAVAILABLE', `the agent bundle cannot be built: ${err.message}`);
      }
      throw err;
    }
    if (!bundle) {
      return sendError(reply, 404, 'NOT_FOUND', `this control plane has no agent for linux-${wanted.arch}`);
    }
    if (wanted.kind === 'bundle' && wanted.version !== bundle.version) {
      return sendError(
        reply,
        404,
        'NOT_FOUND',
        `agent ${wanted.version} is not available (current: ${bundle.version})`,
      );
    }
    if (wanted.kind === 'bundle-checksum' || wanted.checksum) {
      return this.sendText(reply, checksumLine(bundle.sha256, bundle.file));
    }
    return this.sendFile(reply, bundle.path, bundle.bytes, 'application/gzip', bundle.file);
  }

  private sendText(reply: FastifyReply, text: string) {
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);
  }

  private async sendFile(reply: FastifyReply, file: string, bytes: number, type: string, name: string) {
    try {
      await fs.promises.access(file, fs.constants.R_OK);
    } catch {
      return sendError(reply, 503, 'BUNDLE_UNAVAILABLE', `${name} is listed but missing on the server`);
    }
    return reply
      .type(type)
      .header('content-length', String(bytes))
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-cache')
      .send(fs.createReadStream(file));
  }
}
