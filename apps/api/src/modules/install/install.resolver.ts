import { Inject } from '@nestjs/common';
import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../auth/viewer.js';
import { CreatedEnrollmentToken } from '../enrollment/dto/enrollment.types.js';
import { AgentInstallInstructions } from './dto/install.types.js';
import { InstallService } from './install.service.js';

/**
 * Adds `install` to the answer of createEnrollmentToken: the token exists in clear only there, so that is the one
 * place the ready-to-paste commands can be built. Authorization is the mutation's own.
 */
@Resolver(() => CreatedEnrollmentToken)
export class InstallInstructionsResolver {
  constructor(@Inject(InstallService) private readonly instructions: InstallService) {}

  @ResolveField(() => AgentInstallInstructions, {
    description: 'The install script line, the enroll command and a Kubernetes manifest, each with this token.',
  })
  install(@Parent() created: CreatedEnrollmentToken, @Context() ctx: GqlContext): AgentInstallInstructions {
    return this.instructions.instructions(created.token, ctx.req);
  }
}
