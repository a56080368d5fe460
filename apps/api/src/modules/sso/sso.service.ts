import { randomBytes } from 'node:crypto';
import type { BathyscopeConfig } from '@bathyscope/config';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { apiError } from '../../graphql-errors.js';
import type { SecretBox } from '../../infra/secret-box.js';
import { CONFIG, PRISMA, REDIS, SECRET_BOX } from '../../infra/tokens.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthService } from '../auth/auth.service.js';
import { AuthzService } from '../authz/authz.service.js';
import { actorOf, type GqlContext, type Viewer } from '../auth/viewer.js';
import type { ConfigureSsoInput, SsoConnection } from './sso.types.js';

const STATE_TTL_S = 600;
/** A password hash no password matches: SSO-provisioned users sign in through their provider. */
const NO_PASSWORD = 'sso-only';

export class SsoError extends Error {}

interface PendingLogin {
  tenantId: number;
  verifier: string;
  nonce: string;
}

/**
 * Per-tenant OpenID Connect sign-in (authorization code + PKCE, state and nonce checked by openid-client).
 * Users arriving for the first time are provisioned with the connection's default role.
 */
@Injectable()
export class SsoService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: BathyscopeConfig,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  get redirectUri(): string {
    return `${this.config.apiPublicUrl}/auth/sso/callback`;
  }

  private loginUrl(slug: string): string {
    return `${this.config.apiPublicUrl}/auth/sso/${slug}/start`;
  }

  private async discover(issuer: string, clientId: string, clientSecret: string): Promise<oidc.Configuration> {
    const url = new URL(issuer);
    // Plain HTTP only for providers on loopback (tests, local IdPs); anything else must be HTTPS.
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    return oidc.discovery(url, clientId, clientSecret, undefined, {
      execute: loopback && url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: 10,
    });
  }

  async get(viewer: Viewer): Promise<SsoConnection | null> {
    await this.authz.authorize(viewer, 'read', 'SsoConnection', { what: 'reading SSO settings' });
    const c = await this.prisma.ssoConnection.findUnique({ where: { tenantId: viewer.tenantId } });
    return c
      ? {
          issuer: c.issuer,
          clientId: c.clientId,
          defaultRole: c.defaultRole,
          updatedAt: c.updatedAt,
          loginUrl: this.loginUrl(viewer.tenantSlug),
          redirectUri: this.redirectUri,
        }
      : null;
  }

  /** Checks the provider answers discovery before saving, so a typo fails here and not at sign-in. */
  async configure(viewer: Viewer, input: ConfigureSsoInput, ctx: GqlContext): Promise<SsoConnection> {
    await this.authz.authorize(viewer, 'update', 'SsoConnection', { what: 'configuring SSO' });
    try {
      await this.discover(input.issuer, input.clientId, input.clientSecret);
    } catch (err) {
      throw apiError('BAD_USER_INPUT', `OpenID discovery failed for ${input.issuer}: ${(err as Error).message}`, {
        field: 'issuer',
      });
    }
    const data = {
      issuer: input.issuer,
      clientId: input.clientId,
      clientSecretEnc: this.box.seal(input.clientSecret),
      defaultRole: input.defaultRole,
    };
    const before = await this.prisma.ssoConnection.findUnique({
      where: { tenantId: viewer.tenantId },
      select: { issuer: true, clientId: true, defaultRole: true },
    });
    const c = await this.prisma.ssoConnection.upsert({
      where: { tenantId: viewer.tenantId },
      update: data,
      create: { tenantId: viewer.tenantId, ...data },
    });
    await this.audit.record(ctx, {
      tenantId: viewer.tenantId,
      ...actorOf(viewer),
      action: 'sso.configure',
      targetType: 'SsoConnection',
      targetId: c.id,
      before,
      after: { issuer: c.issuer, clientId: c.clientId, defaultRole: c.defaultRole },
    });
    return {
      issuer: c.issuer,
      clientId: c.clientId,
      defaultRole: c.defaultRole,
      updatedAt: c.updatedAt,
      loginUrl: this.loginUrl(viewer.tenantSlug),
      redirectUri: this.redirectUri,
    };
  }

  private async clientFor(tenantId: number) {
    const c = await this.prisma.ssoConnection.findUnique({ where: { tenantId } });
    if (!c) throw new SsoError('single sign-on is not configured for this tenant');
    return { connection: c, config: await this.discover(c.issuer, c.clientId, this.box.open(c.clientSecretEnc)) };
  }

  /** Step 1: the provider's authorization URL, with PKCE, state and nonce remembered in Redis for 10 minutes. */
  async start(slug: string): Promise<string> {
    const tenant = await this.prisma.tenant.findUnique({ where: { slug }, select: { id: true } });
    if (!tenant) throw new SsoError('no such tenant');
    const { config } = await this.clientFor(tenant.id);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const pending: PendingLogin = { tenantId: tenant.id, verifier, nonce };
    await this.redis.set(`bs:sso:state:${state}`, JSON.stringify(pending), 'EX', STATE_TTL_S);
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: this.redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /** Step 2: exchanges the code, checks the ID token, finds or provisions the user, opens a session. */
  async callback(currentUrl: URL, ctx: Pick<GqlContext, 'req'>): Promise<{ token: string; viewer: Viewer }> {
    const state = currentUrl.searchParams.get('state') ?? '';
    const raw = /^[A-Za-z0-9_-]{1,128}$/.test(state) ? await this.redis.getdel(`bs:sso:state:${state}`) : null;
    if (!raw) throw new SsoError('this sign-in attempt expired or was already used; start again');
    const pending = JSON.parse(raw) as PendingLogin;
    const { connection, config } = await this.clientFor(pending.tenantId);
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoError('the provider returned no ID token');
    // Providers conforming to the spec put scope claims in userinfo, not the ID token, when an access token is issued.
    const claims: Record<string, unknown> =
      typeof idClaims.email === 'string'
        ? idClaims
        : { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)), sub: idClaims.sub };
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : '';
    if (!email || claims.email_verified === false) {
      throw new SsoError('the provider did not return a verified email address');
    }

    let user = await this.prisma.user.findUnique({ where: { email }, select: { id: true } });
    user ??= await this.prisma.user.create({
      data: { email, passwordHash: `${NO_PASSWORD}$${randomBytes(8).toString('hex')}` },
      select: { id: true },
    });
    const created = await this.prisma.membership.upsert({
      where: { tenantId_userId: { tenantId: pending.tenantId, userId: user.id } },
      update: {},
      create: { tenantId: pending.tenantId, userId: user.id, role: connection.defaultRole },
      select: { createdAt: true },
    });
    const session = await this.auth.sessionFor(user.id, pending.tenantId);
    if (!session) throw new SsoError('membership vanished');
    await this.audit.record(ctx, {
      tenantId: pending.tenantId,
      ...actorOf(session.viewer),
      action: 'session.ssoLogin',
      after: {
        issuer: connection.issuer,
        subject: claims.sub,
        provisioned: Date.now() - created.createdAt.getTime() < 5000,
      },
    });
    return session;
  }
}
