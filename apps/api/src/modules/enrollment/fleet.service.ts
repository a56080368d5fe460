import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { PRISMA } from '../../infra/tokens.js';
import { AGENT_SELECT, agentSubject, toAgent } from '../agents/agents.service.js';
import type { Agent } from '../agents/agents.types.js';
import { AuditService } from '../audit/audit.service.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';

/** Fleet lifecycle beyond listing and grouping (AgentsService): revocation. */
@Injectable()
export class FleetService {
  private readonly recordChange: ReturnType<AuditService['recorderFor']>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) audit: AuditService,
  ) {
    this.recordChange = audit.recorderFor('Agent');
  }

  /**
   * Revokes an agent for good: the gateway refuses its credentials (access tokens and legacy secrets) within its
   * 5 s cache TTL, issues it no new access token, and the agent leaves the fleet list. Its telemetry stays.
   * Re-enrolling the machine creates a new agent. Checked like updateAgent: on the agent, with its group and labels.
   */
  async revoke(viewer: Viewer, id: number, ctx: GqlContext): Promise<Agent> {
    const agent = await this.prisma.agent.findFirst({
      where: {
        AND: [{ id, tenantId: viewer.tenantId }, await this.authz.accessibleWhere(viewer, 'read', 'Agent')],
      },
      select: AGENT_SELECT,
    });
    if (!agent) throw apiError('NOT_FOUND', 'no such agent');
    await this.authz.authorize(viewer, 'update', agentSubject(agent), { what: `revoking agent ${agent.name}` });
    if (agent.revokedAt) return toAgent(agent, Date.now());
    const row = await this.prisma.agent.update({
      where: { id: agent.id },
      data: { revokedAt: new Date() },
      select: AGENT_SELECT,
    });
    await this.recordChange(
      viewer,
      ctx,
      'agent.revoke',
      String(id),
      { name: agent.name, revokedAt: null },
      { revokedAt: row.revokedAt },
    );
    return toAgent(row, Date.now());
  }
}
