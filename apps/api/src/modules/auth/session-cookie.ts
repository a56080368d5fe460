import { SESSION_COOKIE, SESSION_TTL_MS } from './auth.service.js';
import type { GqlContext } from './viewer.js';

/** The console's session: HTTP-only, same-site lax, secure behind HTTPS. */
export function setSessionCookie(ctx: GqlContext, token: string): void {
  ctx.reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: ctx.req.protocol === 'https',
    maxAge: SESSION_TTL_MS / 1000,
  });
}
