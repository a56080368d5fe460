import { Inject, UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { CurrentViewer } from '../auth/current-viewer.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import type { Viewer } from '../auth/viewer.js';
import { AgentsService } from './agents.service.js';
import { Agent } from './agents.types.js';

@Resolver(() => Agent)
@UseGuards(SessionGuard)
export class AgentsResolver {
  constructor(@Inject(AgentsService) private readonly agentsService: AgentsService) {}

  @Query(() => [Agent], { description: "The tenant's agents with their last reported health." })
  agents(@CurrentViewer() viewer: Viewer): Promise<Agent[]> {
    return this.agentsService.list(viewer);
  }
}
