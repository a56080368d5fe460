import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { PrismaClient } from '@bathyscope/db';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  AGENT_TOKEN_MAX_SKEW_MS,
  AGENT_TOKEN_PATH,
  type AgentTokenRequest,
  type AgentTokenResponse,
  agentTokenRequestMessage,
  ENROLL_PATH,
  type EnrollRequest,
  type EnrollResponse,
  hashEnrollmentSecret,
  type IngestErrorCode,
  parseEnrollmentToken,
  signAgentAccessToken,
} from '@bathyscope/wire';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseEd25519PublicKey, verifyAgentSignature } from './agent-keys';
import type { FailureLimiter } from './failure-limiter';
import type { IngestMetrics } from './ingest-metrics';

/** Printable ASCII without spaces: kernel releases, versions. */
const PRINTABLE = '^[\\x21-\\x7e]+$';

/** POST /v1/enroll. Unknown fields are refused, every string is bounded. */
export const enrollSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'publicKey', 'facts'],
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 128 },
    publicKey: { type: 'string', minLength: 1, maxLength: 512 },
    facts: {
      type: 'object',
      additionalProperties: false,
      required: ['hostname', 'machineId', 'kernel', 'ips', 'btf', 'capabilities', 'cgroupVersion', 'agentVersion'],
      properties: {
        hostname: { type: 'string', maxLength: 253, pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]*$' },
        machineId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
        kernel: { type: 'string', maxLength: 128, pattern: PRINTABLE },
        ips: { type: 'array', maxItems: 64, uniqueItems: true, items: { type: 'string', minLength: 2, maxLength: 45 } },
        btf: { type: 'boolean' },
        capabilities: {
          type: 'array',
          maxItems: 64,
          uniqueItems: true,
          items: { type: 'string', pattern: '^[a-z0-9_]{1,32}$' },
        },
        cgroupVersion: { type: 'integer', enum: [1, 2] },
        agentVersion: { type: 'string', maxLength: 32, pattern: '^[0-9A-Za-z.+-]+$' },
      },
    },
  },
} as const;

/** POST /v1/agent/token. */
export const agentTokenSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['agentId', 'timestamp', 'signature'],
  properties: {
    agentId: { type: 'integer', minimum: 1, maximum: 0xffffffff },
    timestamp: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    signature: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9+/_-]+={0,2}$' },
  },
} as const;

export interface EnrollmentDeps {
  prisma: PrismaClient;
  metrics: IngestMetrics;
  limiter: FailureLimiter;
  accessTokenKey: Buffer;
  /** Ingest URL handed to enrolled agents; default: the address the agent reached this gateway at. */
  publicUrl?: string;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: IngestErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type TokenRow = {
  id: string;
  tenantId: number;
  name: string;
  prefix: string;
  groupId: string | null;
  secretHash: string;
  expiresAt: Date;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
};

/** Why a known token cannot be used now, or null when it can. */
function tokenRefusal(t: TokenRow, now: Date): Refusal | null {
  if (t.revokedAt) return new Refusal(403, 'TOKEN_REVOKED', 'enrollment token was revoked');
  if (t.expiresAt.getTime() <= now.getTime()) return new Refusal(401, 'TOKEN_EXPIRED', 'enrollment token expired');
  if (t.maxUses !== null && t.uses >= t.maxUses) {
    return new Refusal(403, 'TOKEN_USED_UP', `enrollment token was used ${t.maxUses} times already`);
  }
  return null;
}

function userAgent(req: FastifyRequest): string {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 256) : '';
}

/**
 * The enrollment exchange and access-token renewal, on the gateway because it is what agents reach.
 *
 * - `POST /v1/enroll` redeems an enrollment token (one use, counted atomically) for an agent identity bound to the
 *   agent's Ed25519 public key, in the token's tenant and group. The same machine (tenant, machine-id) keeps its
 *   agent: re-enrolling updates it (new key, facts; the token's group if it has one). A revoked agent stays
 *   revoked: its machine re-enrolling gets a new agent, and the revoked one keeps its history.
 * - `POST /v1/agent/token` trades a signature over `bathyscope-agent-token:<agentId>:<timestamp>` for a 15-minute
 *   access token. Timestamps must be within 5 minutes of the gateway's clock and later than the last accepted one
 *   for the agent (stored on the row, compared and set in one UPDATE), so a captured request cannot be replayed.
 *
 * Failures of either are counted per client address (FailureLimiter) and refused with 429 past the limit;
 * refusals that concern a known token or agent are written to the tenant's audit log. Secrets never are.
 */
export function registerEnrollmentRoutes(app: FastifyInstance, deps: EnrollmentDeps): void {
  const { prisma, metrics, limiter } = deps;

  async function audit(
    req: FastifyRequest,
    entry: {
      tenantId: number;
      actor: string;
      actorLabel: string;
      action: string;
      targetType: string;
      targetId: string;
      outcome: 'success' | 'denied';
      after: Record<string, unknown>;
    },
  ): Promise<void> {
    try {
      await prisma.auditLog.create({
        data: { ...entry, after: entry.after as never, ip: req.ip, userAgent: userAgent(req) },
      });
    } catch (err) {
      req.log.error({ err }, 'audit write failed');
    }
  }

  function refuse(req: FastifyRequest, reply: FastifyReply, counter: typeof metrics.enrollments, err: Refusal) {
    limiter.fail(req.ip);
    counter.inc({ outcome: err.code });
    return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...err.extra } });
  }

  function limited(req: FastifyRequest, reply: FastifyReply, counter: typeof metrics.enrollments) {
    const retryAfter = limiter.retryAfter(req.ip);
    if (retryAfter === 0) return null;
    counter.inc({ outcome: 'RATE_LIMITED' });
    reply.header('retry-after', String(retryAfter));
    return reply.code(429).send({
      error: { code: 'RATE_LIMITED', message: `too many failed attempts, retry in ${retryAfter} s`, retryAfter },
    });
  }

  app.post(
    ENROLL_PATH,
    { schema: { body: enrollSchema }, attachValidation: true, bodyLimit: 64 * 1024 },
    async (req, reply) => {
      const blocked = limited(req, reply, metrics.enrollments);
      if (blocked) return blocked;
      try {
        if (req.validationError) throw new Refusal(400, 'INVALID_REQUEST', req.validationError.message);
        const body = req.body as EnrollRequest;
        const badIp = body.facts.ips.findIndex((ip) => isIP(ip) === 0);
        if (badIp >= 0) {
          throw new Refusal(400, 'INVALID_REQUEST', `facts.ips[${badIp}] is not an IP address`, {
            field: `facts.ips[${badIp}]`,
          });
        }
        const publicKey = parseEd25519PublicKey(body.publicKey);
        if (!publicKey) {
          throw new Refusal(
            400,
            'INVALID_REQUEST',
            'publicKey must be an Ed25519 public key (SPKI PEM or raw base64)',
            {
              field: 'publicKey',
            },
          );
        }
        const parsed = parseEnrollmentToken(body.token);
        const token = parsed
          ? await prisma.enrollmentToken.findUnique({
              where: { prefix: parsed.prefix },
              select: {
                id: true,
                tenantId: true,
                name: true,
                prefix: true,
                groupId: true,
                secretHash: true,
                expiresAt: true,
                maxUses: true,
                uses: true,
                revokedAt: true,
              },
            })
          : null;
        if (
          !parsed ||
          !token ||
          !timingSafeEqual(
            Buffer.from(token.secretHash, 'hex'),
            Buffer.from(hashEnrollmentSecret(parsed.secret), 'hex'),
          )
        ) {
          throw new Refusal(401, 'TOKEN_INVALID', 'unknown enrollment token');
        }
        const actor = {
          actor: `enrollment:${token.id}`,
          actorLabel: `enrollment token ${token.name} (${token.prefix})`,
        };
        const early = tokenRefusal(token, new Date());
        if (early) {
          await audit(req, {
            tenantId: token.tenantId,
            ...actor,
            action: 'agent.enroll',
            targetType: 'EnrollmentToken',
            targetId: token.id,
            outcome: 'denied',
            after: { reason: early.code, hostname: body.facts.hostname, machineId: body.facts.machineId },
          });
          throw early;
        }
        const { agentId, created, group } = await enrollAgent(prisma, token, body, publicKey);
        metrics.enrollments.inc({ outcome: created ? 'created' : 'updated' });
        await audit(req, {
          tenantId: token.tenantId,
          ...actor,
          action: 'agent.enroll',
          targetType: 'Agent',
          targetId: String(agentId),
          outcome: 'success',
          after: {
            created,
            hostname: body.facts.hostname,
            machineId: body.facts.machineId,
            group,
            kernel: body.facts.kernel,
            agentVersion: body.facts.agentVersion,
            ips: body.facts.ips,
          },
        });
        const ingestUrl = deps.publicUrl ?? `${req.protocol}://${req.host}`;
        return { agentId, tenantId: token.tenantId, ingestUrl, created } satisfies EnrollResponse;
      } catch (err) {
        if (err instanceof Refusal) return refuse(req, reply, metrics.enrollments, err);
        throw err;
      }
    },
  );

  app.post(
    AGENT_TOKEN_PATH,
    { schema: { body: agentTokenSchema }, attachValidation: true, bodyLimit: 4 * 1024 },
    async (req, reply) => {
      const blocked = limited(req, reply, metrics.accessTokens);
      if (blocked) return blocked;
      try {
        if (req.validationError) throw new Refusal(400, 'INVALID_REQUEST', req.validationError.message);
        const { agentId, timestamp, signature } = req.body as AgentTokenRequest;
        const now = Date.now();
        if (Math.abs(now - timestamp) > AGENT_TOKEN_MAX_SKEW_MS) {
          throw new Refusal(
            401,
            'CLOCK_SKEW',
            `timestamp is ${Math.round((timestamp - now) / 1000)} s off the gateway's clock (at most ${AGENT_TOKEN_MAX_SKEW_MS / 1000} s): fix the host's clock`,
            { serverTime: now },
          );
        }
        const agent = await prisma.agent.findUnique({
          where: { id: agentId },
          select: { id: true, tenantId: true, publicKey: true, revokedAt: true },
        });
        if (!agent?.publicKey) throw new Refusal(401, 'UNAUTHENTICATED', 'unknown agent or bad signature');
        const denied = async (refusal: Refusal) => {
          await audit(req, {
            tenantId: agent.tenantId,
            actor: `agent:${agent.id}`,
            actorLabel: `agent ${agent.id}`,
            action: 'agent.token',
            targetType: 'Agent',
            targetId: String(agent.id),
            outcome: 'denied',
            after: { reason: refusal.code, timestamp },
          });
          return refusal;
        };
        if (!verifyAgentSignature(agent.publicKey, agentTokenRequestMessage(agentId, timestamp), signature)) {
          throw await denied(new Refusal(401, 'UNAUTHENTICATED', 'unknown agent or bad signature'));
        }
        if (agent.revokedAt) throw await denied(new Refusal(403, 'AGENT_REVOKED', 'agent was revoked'));
        // Compare-and-set: only a strictly later timestamp is accepted, even under concurrent requests.
        const at = new Date(timestamp);
        const accepted = await prisma.agent.updateMany({
          where: { id: agentId, revokedAt: null, OR: [{ lastTokenAt: null }, { lastTokenAt: { lt: at } }] },
          data: { lastTokenAt: at },
        });
        if (accepted.count !== 1) {
          const again = await prisma.agent.findUnique({ where: { id: agentId }, select: { revokedAt: true } });
          if (again?.revokedAt) throw await denied(new Refusal(403, 'AGENT_REVOKED', 'agent was revoked'));
          throw await denied(
            new Refusal(401, 'REPLAYED', 'timestamp is not later than the last accepted one: sign a fresh request'),
          );
        }
        const exp = Math.floor(now / 1000) + ACCESS_TOKEN_TTL_SECONDS;
        const accessToken = signAgentAccessToken({ a: agent.id, t: agent.tenantId, exp }, deps.accessTokenKey);
        metrics.accessTokens.inc({ outcome: 'issued' });
        return { accessToken, expiresAt: new Date(exp * 1000).toISOString() } satisfies AgentTokenResponse;
      } catch (err) {
        if (err instanceof Refusal) return refuse(req, reply, metrics.accessTokens, err);
        throw err;
      }
    },
  );
}

/**
 * Counts one use of the token and creates or updates the machine's agent, in one transaction: a use is spent only
 * when an agent was enrolled, and `uses < maxUses` is checked in the UPDATE itself, so concurrent enrollments can
 * never exceed it.
 */
async function enrollAgent(
  prisma: PrismaClient,
  token: TokenRow,
  body: EnrollRequest,
  publicKey: string,
): Promise<{ agentId: number; created: boolean; group: string | null }> {
  const { facts } = body;
  const attempt = () =>
    prisma.$transaction(async (tx) => {
      const now = new Date();
      const counted = await tx.$executeRaw`
        UPDATE "EnrollmentToken" SET "uses" = "uses" + 1
        WHERE "id" = ${token.id} AND "revokedAt" IS NULL AND "expiresAt" > (now() AT TIME ZONE 'UTC')
          AND ("maxUses" IS NULL OR "uses" < "maxUses")`;
      if (counted !== 1) {
        const current = await tx.enrollmentToken.findUnique({ where: { id: token.id } });
        throw (current && tokenRefusal(current, now)) ?? new Refusal(401, 'TOKEN_INVALID', 'unknown enrollment token');
      }
      const enrolled = {
        name: facts.hostname,
        hostname: facts.hostname,
        version: facts.agentVersion,
        publicKey,
        hostFacts: { ...facts },
        enrolledAt: now,
        // A new key: signatures made with the old one no longer verify, so the replay guard starts over.
        lastTokenAt: null,
      };
      const existing = await tx.agent.findUnique({
        where: { tenantId_machineId: { tenantId: token.tenantId, machineId: facts.machineId } },
        select: { id: true, revokedAt: true, groupId: true },
      });
      if (existing && !existing.revokedAt) {
        const row = await tx.agent.update({
          where: { id: existing.id },
          data: { ...enrolled, groupId: token.groupId ?? existing.groupId },
          select: { id: true, group: { select: { name: true } } },
        });
        return { agentId: row.id, created: false, group: row.group?.name ?? null };
      }
      // Revocation is final: the revoked agent lets go of the machine and keeps its history.
      if (existing) await tx.agent.update({ where: { id: existing.id }, data: { machineId: null } });
      const row = await tx.agent.create({
        data: {
          ...enrolled,
          tenantId: token.tenantId,
          machineId: facts.machineId,
          groupId: token.groupId,
          secretHash: null,
        },
        select: { id: true, group: { select: { name: true } } },
      });
      return { agentId: row.id, created: true, group: row.group?.name ?? null };
    });
  try {
    return await attempt();
  } catch (err) {
    // The same machine enrolling twice at once: one insert wins, the other retries and updates it.
    if ((err as { code?: string }).code === 'P2002') return attempt();
    throw err;
  }
}
