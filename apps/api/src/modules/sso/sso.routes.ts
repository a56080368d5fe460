import type { BathyscopeConfig } from '@bathyscope/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setSessionCookie } from '../auth/session-cookie.js';
import type { GqlContext } from '../auth/viewer.js';
import { SsoError, type SsoService } from './sso.service.js';

function failurePage(reply: FastifyReply, status: number, message: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><title>Sign-in failed</title><h1>Single sign-on failed</h1><p>${message.replace(/[<>&"]/g, '')}</p>`,
    );
}

/** The browser legs of SSO: start (redirect to the provider) and callback (back from it, session cookie set). */
export function registerSsoRoutes(app: FastifyInstance, sso: SsoService, config: BathyscopeConfig): void {
  app.get('/auth/sso/:slug/start', async (req: FastifyRequest<{ Params: { slug: string } }>, reply) => {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(req.params.slug)) return failurePage(reply, 404, 'no such tenant');
    try {
      return reply.redirect(await sso.start(req.params.slug), 302);
    } catch (err) {
      if (err instanceof SsoError) return failurePage(reply, 404, err.message);
      req.log.error({ err }, 'sso start failed');
      return failurePage(reply, 502, 'the identity provider could not be reached');
    }
  });

  app.get('/auth/sso/callback', async (req, reply) => {
    try {
      const current = new URL(req.url, config.apiPublicUrl);
      const session = await sso.callback(current, { req });
      setSessionCookie({ req, reply } as GqlContext, session.token);
      return reply.redirect(`${config.webUrl}/t/${session.viewer.tenantSlug}/requests`, 302);
    } catch (err) {
      if (err instanceof SsoError) return failurePage(reply, 400, err.message);
      req.log.warn({ err }, 'sso callback refused');
      return failurePage(reply, 400, `the provider's answer was refused: ${(err as Error).message}`);
    }
  });
}
