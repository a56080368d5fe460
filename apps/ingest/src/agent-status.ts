import type { PrismaClient } from '@bathyscope/db';
import type { FastifyInstance } from 'fastify';
import type { AgentAuthenticator } from './agent-auth';
import type { IngestMetrics } from './ingest-metrics';

export const AGENT_STATUS_PATH = '/v1/agent/status';

/** What an agent reports about itself. Unknown fields are refused, not stored. */
export interface AgentStatusReport {
  version: string;
  hostname: string;
  state: 'running' | 'degraded';
  capabilities: { ok: boolean; kernel: string; btf: boolean; tracefs: boolean; problems: string[] };
  counters: Record<string, number>;
}

const counterSchema = { type: 'integer', minimum: 0 };
const statusSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'hostname', 'state', 'capabilities', 'counters'],
  properties: {
    version: { type: 'string', maxLength: 32 },
    hostname: { type: 'string', maxLength: 255 },
    state: { type: 'string', enum: ['running', 'degraded'] },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      required: ['ok', 'kernel', 'btf', 'tracefs', 'problems'],
      properties: {
        ok: { type: 'boolean' },
        kernel: { type: 'string', maxLength: 128 },
        btf: { type: 'boolean' },
        tracefs: { type: 'boolean' },
        problems: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 500 } },
      },
    },
    counters: {
      type: 'object',
      maxProperties: 64,
      propertyNames: { pattern: '^[a-zA-Z][a-zA-Z0-9_.]{0,63}$' },
      additionalProperties: counterSchema,
    },
  },
} as const;

/** Agents report health (eBPF capabilities, drops, shipping counters) so the console can show it. */
export function registerAgentStatusRoute(
  app: FastifyInstance,
  deps: { prisma: PrismaClient; auth: AgentAuthenticator; metrics: IngestMetrics },
): void {
  app.post(AGENT_STATUS_PATH, { schema: { body: statusSchema }, bodyLimit: 64 * 1024 }, async (req, reply) => {
    const identity = await deps.auth.authenticate(req.headers.authorization);
    if (!identity.ok) {
      deps.metrics.rejectedBatches.inc({ reason: identity.code });
      return reply
        .code(identity.code === 'AGENT_REVOKED' ? 403 : 401)
        .send({ error: { code: identity.code, message: identity.message } });
    }
    const report = req.body as AgentStatusReport;
    // The agent id comes from the credential, so an agent can only ever update itself.
    await deps.prisma.agent.update({
      where: { id: identity.agent.agentId },
      data: {
        lastSeenAt: new Date(),
        hostname: report.hostname,
        version: report.version,
        status: { state: report.state, capabilities: report.capabilities, counters: report.counters },
      },
    });
    return { ok: true };
  });
}
