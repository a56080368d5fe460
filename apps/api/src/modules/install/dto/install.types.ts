import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'Ways to install an agent with a new enrollment token; each embeds the token.' })
export class AgentInstallInstructions {
  @Field({
    description:
      'One line for a Linux host with systemd: `curl -fsSL <console>/install.sh | sudo sh -s -- --token <T>`.',
  })
  script: string;

  @Field({
    description: 'For a host that already has the agent: `bathyscope-agent enroll --token <T> --server <ingest URL>`.',
  })
  cli: string;

  @Field({
    description:
      'Kubernetes manifest (YAML): Namespace, Secret with the token, privileged DaemonSet with hostPID and the kernel mounts (BTF, tracefs, debugfs, bpffs).',
  })
  kubernetes: string;
}
