import { describe, expect, it } from 'vitest';
import { agentKubernetesManifest } from './kubernetes-manifest';
import { parseYamlDocuments } from './yaml-test-kit';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is navigated in assertions
type Loose = any;

const token = `bset_${'a1b2c3d4e5f6'}_${'X'.repeat(43)}`;
const manifest = agentKubernetesManifest({
  token,
  ingestUrl: 'https://ingest.example.test',
  image: 'registry.example.test/bathyscope-agent:0.1.0',
});
const docs = parseYamlDocuments(manifest) as Loose[];
const byKind = (kind: string) => docs.find((d) => d.kind === kind);

describe('agentKubernetesManifest', () => {
  it('is a Namespace, a Secret and a DaemonSet, all in the bathyscope namespace', () => {
    expect(docs.map((d) => `${d.apiVersion}/${d.kind}`)).toEqual(['v1/Namespace', 'v1/Secret', 'apps/v1/DaemonSet']);
    expect(byKind('Namespace').metadata.name).toBe('bathyscope');
    expect(byKind('Secret').metadata.namespace).toBe('bathyscope');
    expect(byKind('DaemonSet').metadata.namespace).toBe('bathyscope');
  });

  it('keeps the token in the Secret only; the pod reads it through a secretKeyRef', () => {
    expect(byKind('Secret').stringData).toEqual({ token });
    const pod = byKind('DaemonSet').spec.template.spec;
    expect(JSON.stringify(pod)).not.toContain(token);
    expect(manifest.split(token)).toHaveLength(2);
    const env = pod.containers[0].env;
    expect(env).toContainEqual({
      name: 'BATHYSCOPE_ENROLLMENT_TOKEN',
      valueFrom: { secretKeyRef: { name: byKind('Secret').metadata.name, key: 'token' } },
    });
    expect(env).toContainEqual({ name: 'BATHYSCOPE_ENROLL_SERVER', value: 'https://ingest.example.test' });
  });

  it('runs privileged in the host PID and network namespaces, on every node, without API credentials', () => {
    const ds = byKind('DaemonSet');
    const pod = ds.spec.template.spec;
    expect(ds.spec.selector.matchLabels).toEqual(
      Object.fromEntries(Object.entries(ds.spec.template.metadata.labels).filter(([k]) => k.endsWith('/name'))),
    );
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].securityContext).toEqual({ privileged: true });
    expect(pod.containers[0].image).toBe('registry.example.test/bathyscope-agent:0.1.0');
  });

  it('mounts BTF and machine-id read-only, tracefs, debugfs, bpffs and a host state directory', () => {
    const pod = byKind('DaemonSet').spec.template.spec;
    const volumes = Object.fromEntries(pod.volumes.map((v: Loose) => [v.name, v.hostPath]));
    const mounts = Object.fromEntries(
      pod.containers[0].volumeMounts.map((m: Loose) => [m.mountPath, { volume: volumes[m.name], ro: !!m.readOnly }]),
    );
    expect(mounts).toEqual({
      '/sys/kernel/btf': { volume: { path: '/sys/kernel/btf', type: 'Directory' }, ro: true },
      '/sys/kernel/tracing': { volume: { path: '/sys/kernel/tracing', type: 'Directory' }, ro: false },
      '/sys/kernel/debug': { volume: { path: '/sys/kernel/debug', type: 'Directory' }, ro: false },
      '/sys/fs/bpf': { volume: { path: '/sys/fs/bpf', type: 'Directory' }, ro: false },
      '/etc/machine-id': { volume: { path: '/etc/machine-id', type: 'File' }, ro: true },
      '/var/lib/bathyscope-agent': {
        volume: { path: '/var/lib/bathyscope-agent', type: 'DirectoryOrCreate' },
        ro: false,
      },
    });
    expect(pod.containers[0].env).toContainEqual({ name: 'BATHYSCOPE_STATE_DIR', value: '/var/lib/bathyscope-agent' });
  });

  it('enrolls once per node, then drops the token and runs the agent', () => {
    const [shell, flag, script] = byKind('DaemonSet').spec.template.spec.containers[0].command;
    expect([shell, flag]).toEqual(['/bin/sh', '-c']);
    expect(script).toMatch(
      /if \[ ! -s "\$BATHYSCOPE_STATE_DIR\/agent\/credentials.json" \]; then\n\s+\S+ enroll --server "\$BATHYSCOPE_ENROLL_SERVER"\nfi/,
    );
    expect(script.indexOf('unset BATHYSCOPE_ENROLLMENT_TOKEN')).toBeLessThan(script.indexOf('exec '));
    expect(script).toMatch(/exec \/opt\/bathyscope-agent\/bin\/bathyscope-agent run\n$/);
  });

  it('refuses a token or an image that would not survive being written into YAML and shell', () => {
    expect(() => agentKubernetesManifest({ token: 'bset_x"; rm -rf /', ingestUrl: 'http://a', image: 'i' })).toThrow();
    expect(() => agentKubernetesManifest({ token, ingestUrl: 'http://a', image: 'img\nx: y' })).toThrow();
    expect(() => agentKubernetesManifest({ token, ingestUrl: "http://a'b", image: 'i' })).toThrow();
  });
});
