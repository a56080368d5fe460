import {
  AGENT_CHECKIN_PATH,
  type AgentCheckinStatus,
  agentCheckinStatusSchema,
  type CheckinResponse,
  type IngestErrorCode,
} from '@bathyscope/wire';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentAuthenticator } from './agent-auth';
import type { GatewayRegistry } from './gateway-registry';
import type { GroupConfigCache } from './group-config-cache';
import type { IngestMetrics } from './ingest-metrics';
import type { GatewayNode } from './rendezvous';
import type { CheckinStatusWriter } from './status-writer';

/** A status is a few hundred bytes; 64 KiB leaves room for 128 counters, 20 problems and 64 programs. */
export const CHECKIN_BODY_LIMIT = 64 * 1024;

/** `"v<configVersion>-g<gatewayId>"`: changes when the configuration or the assigned gateway does. */
export function checkinEtag(configVersion: number, gatewayId: string): string {
  return `"v${configVersion}-g${gatewayId}"`;
}

/** Whether an If-None-Match header names `etag` (weak or strong; a list is allowed). `*` is not honoured. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const values = Array.isArray(header) ? header.join(',') : header;
  if (values.length > 1024) return false;
  return values.split(',').some((v) => {
    const t = v.trim();
    return (t.startsWith('W/') ? t.slice(2) : t) === etag;
  });
}

/** Unpaired surrogates and (below) NUL: valid JSON, but Postgres refuses them in text and jsonb. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first path whose string Postgres cannot store, or null. */
export function unstorableText(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\0') || LONE_SURROGATE.test(value) ? path || '/' : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const bad = unstorableText(v, `${path}/${i}`);
      if (bad) return bad;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const bad = unstorableText(v, `${path}/${k}`);
      if (bad) return bad;
    }
  }
  return null;
}

export interface CheckinDeps {
  auth: AgentAuthenticator;
  metrics: IngestMetrics;
  configs: GroupConfigCache;
  writer: CheckinStatusWriter;
  gateways: GatewayRegistry;
  /** Handed out when no gateway is registered and healthy (a gateway that does not listen, or Postgres trouble). */
  publicUrl?: string;
}

/**
 * POST /v1/agent/checkin: the agent reports its status and learns its configuration and gateway.
 *
 * Built for 10,000 agents every 30 s on one process: the credential is verified by AgentAuthenticator (HMAC + agent
 * row cached 5 s, which is also how fast revocation bites), the group's configuration comes from GroupConfigCache
 * (2 s), the gateway from the in-memory healthy list (rendezvous hashing), and the status goes to
 * CheckinStatusWriter, which writes all agents' statuses in one UPDATE a second. No Postgres write per request.
 * The agent id — and so tenant, group and configuration — comes from the credential only: the body cannot name one
 * (unknown fields are refused).
 */
export function registerCheckinRoute(app: FastifyInstance, deps: CheckinDeps): void {
  const { auth, metrics, configs, writer, gateways } = deps;

  const refuse = (reply: FastifyReply, status: number, code: IngestErrorCode, message: string, extra = {}) => {
    metrics.checkins.inc({ outcome: code });
    return reply.code(status).send({ error: { code, message, ...extra } });
  };

  const fallbackGateway = (req: FastifyRequest): GatewayNode =>
    gateways.registered ?? { id: 'local', url: deps.publicUrl ?? `${req.protocol}://${req.host}` };

  app.post(
    AGENT_CHECKIN_PATH,
    { schema: { body: agentCheckinStatusSchema }, attachValidation: true, bodyLimit: CHECKIN_BODY_LIMIT },
    async (req, reply) => {
      const started = process.hrtime.bigint();
      const identity = await auth.authenticate(req.headers.authorization);
      if (!identity.ok)
        return refuse(reply, identity.code === 'AGENT_REVOKED' ? 403 : 401, identity.code, identity.message);
      if (req.validationError) return refuse(reply, 400, 'INVALID_REQUEST', req.validationError.message);
      const report = req.body as AgentCheckinStatus;
      const bad = unstorableText(report);
      if (bad) {
        return refuse(reply, 400, 'INVALID_REQUEST', `${bad}: text must be valid Unicode without NUL characters`, {
          field: bad,
        });
      }

      const { agentId, tenantId, groupId } = identity.agent;
      const served = await configs.get(groupId, tenantId);
      const gateway = gateways.assign(agentId) ?? fallbackGateway(req);
      const etag = checkinEtag(served.version, gateway.id);
      writer.record(agentId, {
        tenantId,
        seenAt: Date.now(),
        hostname: report.hostname,
        version: report.version,
        status: {
          state: report.state,
          configVersion: report.configVersion,
          configError: report.configError,
          capabilities: report.capabilities,
          resources: report.resources,
          counters: report.counters,
          // The interval this answer tells the agent to use: the API calls the agent offline after 3 of them.
          checkinIntervalSeconds: served.config.checkinIntervalSeconds,
        },
      });

      reply.header('etag', etag);
      const notModified = etagMatches(req.headers['if-none-match'], etag);
      metrics.checkins.inc({ outcome: notModified ? 'not_modified' : 'config' });
      metrics.checkinSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      if (notModified) return reply.code(304).send();
      return {
        configVersion: served.version,
        config: served.config,
        ingestUrl: gateway.url,
        etag,
      } satisfies CheckinResponse;
    },
  );
}
