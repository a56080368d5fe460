import { assertSafeUrl } from './install-urls.js';
import { stringify } from 'yaml';

type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export const AGENT_NAMESPACE = 'bathyscope';
/** Where the image keeps the unpacked agent bundle (apps/agent/Dockerfile). */
export const IMAGE_AGENT_BIN = '/opt/bathyscope-agent/bin/bathyscope-agent';
/** The agent's identity (key.pem, credentials.json) lives on the node, so a restarted pod is the same agent. */
export const NODE_STATE_DIR = '/var/lib/bathyscope-agent';

export interface AgentManifestOptions {
  /** The enrollment token; goes into a Secret, never into the pod spec. */
  token: string;
  ingestUrl: string;
  image: string;
}

const LABELS = { 'app.kubernetes.io/name': 'bathyscope-agent', 'app.kubernetes.io/part-of': 'bathyscope' };

/**
 * The container's entry: enroll once per node (the state directory is a hostPath, so this is skipped after the
 * first start), then run. The token comes from the Secret through the environment, which `enroll` reads, and is
 * dropped before the long-running agent starts.
 */
const ENTRYPOINT = `set -eu
if [ ! -s "$BATHYSCOPE_STATE_DIR/agent/credentials.json" ]; then
  ${IMAGE_AGENT_BIN} enroll --server "$BATHYSCOPE_ENROLL_SERVER"
fi
unset BATHYSCOPE_ENROLLMENT_TOKEN
exec ${IMAGE_AGENT_BIN} run
`;

function hostPath(name: string, path: string, type: string): YamlValue {
  return { name, hostPath: { path, type } };
}

/**
 * Namespace, Secret (the token) and a DaemonSet running the agent on every node: privileged with the host's PID
 * and network namespaces (eBPF sees every process and socket), with the kernel interfaces it needs mounted from
 * the host: BTF (read-only, for CO-RE), tracefs and debugfs (tracepoints), bpffs, and /etc/machine-id (read-only,
 * the node's identity across reinstalls).
 */
export function agentKubernetesManifest(o: AgentManifestOptions): string {
  if (!/^bset_[A-Za-z0-9_-]+$/.test(o.token)) throw new Error('not an enrollment token');
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(o.image)) throw new Error(`"${o.image}" is not an image reference`);
  const secretName = 'bathyscope-agent-enrollment';
  const docs: YamlValue[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: AGENT_NAMESPACE, labels: LABELS } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace: AGENT_NAMESPACE, labels: LABELS },
      type: 'Opaque',
      stringData: { token: o.token },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'bathyscope-agent', namespace: AGENT_NAMESPACE, labels: LABELS },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'bathyscope-agent' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            hostPID: true,
            hostNetwork: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            // The agent talks to the ingest gateway only; it needs no Kubernetes API credentials.
            automountServiceAccountToken: false,
            // Every node, control plane and tainted ones included: a node without the agent is a blind spot.
            tolerations: [{ operator: 'Exists' }],
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'agent',
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', ENTRYPOINT],
                env: [
                  {
                    name: 'BATHYSCOPE_ENROLLMENT_TOKEN',
                    valueFrom: { secretKeyRef: { name: secretName, key: 'token' } },
                  },
                  { name: 'BATHYSCOPE_ENROLL_SERVER', value: assertSafeUrl(o.ingestUrl) },
                  { name: 'BATHYSCOPE_STATE_DIR', value: NODE_STATE_DIR },
                ],
                securityContext: { privileged: true },
                resources: {
                  requests: { cpu: '100m', memory: '128Mi' },
                  limits: { memory: '512Mi' },
                },
                volumeMounts: [
                  { name: 'btf', mountPath: '/sys/kernel/btf', readOnly: true },
                  { name: 'tracefs', mountPath: '/sys/kernel/tracing' },
                  { name: 'debugfs', mountPath: '/sys/kernel/debug' },
                  { name: 'bpffs', mountPath: '/sys/fs/bpf' },
                  { name: 'machine-id', mountPath: '/etc/machine-id', readOnly: true },
                  { name: 'state', mountPath: NODE_STATE_DIR },
                ],
              },
            ],
            volumes: [
              hostPath('btf', '/sys/kernel/btf', 'Directory'),
              hostPath('tracefs', '/sys/kernel/tracing', 'Directory'),
              hostPath('debugfs', '/sys/kernel/debug', 'Directory'),
              hostPath('bpffs', '/sys/fs/bpf', 'Directory'),
              hostPath('machine-id', '/etc/machine-id', 'File'),
              hostPath('state', NODE_STATE_DIR, 'DirectoryOrCreate'),
            ],
          },
        },
      },
    },
  ];
  // YAML 1.1 output: older kubectl (and PyYAML) read `on`/`yes` as booleans, so such strings get quoted.
  return docs.map((d) => stringify(d, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
