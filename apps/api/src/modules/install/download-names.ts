/** The agent architectures a control plane can serve (Node's names; install.sh maps `uname -m` to them). */
export const AGENT_ARCHES = ['x64', 'arm64'] as const;
export type AgentArch = (typeof AGENT_ARCHES)[number];

/** What a `/downloads/<file>` name asks for; anything else is a 404. */
export type DownloadRequest =
  | { kind: 'bundle-checksum'; arch: AgentArch }
  | { kind: 'bundle'; version: string; arch: AgentArch; checksum: boolean }
  | { kind: 'node'; arch: AgentArch; checksum: boolean };

const ARCH = '(x64|arm64)';
const LATEST_CHECKSUM = new RegExp(`^bathyscope-agent-linux-${ARCH}\\.tar\\.gz\\.sha256$`);
const BUNDLE = new RegExp(
  `^bathyscope-agent-(\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.]+)?)-linux-${ARCH}\\.tar\\.gz(\\.sha256)?$`,
);
const NODE = new RegExp(`^node-linux-${ARCH}(\\.sha256)?$`);

export function parseDownloadName(file: string): DownloadRequest | undefined {
  if (file.length > 128) return undefined;
  let m = LATEST_CHECKSUM.exec(file);
  if (m) return { kind: 'bundle-checksum', arch: m[1] as AgentArch };
  m = BUNDLE.exec(file);
  if (m) return { kind: 'bundle', version: m[1] as string, arch: m[2] as AgentArch, checksum: m[3] !== undefined };
  m = NODE.exec(file);
  if (m) return { kind: 'node', arch: m[1] as AgentArch, checksum: m[2] !== undefined };
  return undefined;
}
