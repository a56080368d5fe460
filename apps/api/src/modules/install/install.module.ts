import { Module } from '@nestjs/common';
import { AgentBundlesService } from './agent-bundles.service.js';
import { InstallController } from './install.controller.js';
import { InstallInstructionsResolver } from './install.resolver.js';
import { InstallService } from './install.service.js';

/** Agent installation: /install.sh, /downloads (bundle, checksums, Node.js) and the install instructions. */
@Module({
  controllers: [InstallController],
  providers: [InstallService, AgentBundlesService, InstallInstructionsResolver],
})
export class InstallModule {}
