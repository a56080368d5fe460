import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubernetes, k8s } from '../../../../../../tests/kit/fake-kubernetes.js';
import { KubernetesSource } from './kubernetes.js';
import { type SourceChange, SourceError } from './source-types.js';

describe('KubernetesSource against a loopback API server', () => {
  let fake: FakeKubernetes;
  let source: KubernetesSource;
  const ns = 'shop';

  beforeEach(async () => {
    fake = new FakeKubernetes();
    await fake.start();
    source = new KubernetesSource(
      'c1',
      'lab',
      { server: fake.url, pageSize: 2, insecureSkipTlsVerify: true },
      { token: fake.token },
    );
  });
  afterEach(async () => {
    await fake.close();
  });

  function seed() {
    fake.put('/api/v1/namespaces', k8s.namespace(ns));
    fake.put('/api/v1/nodes', k8s.node('node-1', 'm-1', '10.0.0.11'));
    const dep = fake.put('/apis/apps/v1/deployments', k8s.deployment(ns, 'api', { app: 'api' }));
    const rs = fake.put('/apis/apps/v1/replicasets', k8s.replicaSet(ns, 'api-7f', dep));
    const pods = [1, 2, 3].map((i) =>
      fake.put('/api/v1/pods', k8s.pod(ns, `api-7f-${i}`, `10.1.0.${i}`, rs, { app: 'api' })),
    );
    fake.put('/api/v1/services', k8s.service(ns, 'api', '10.96.0.10', { app: 'api' }));
    fake.put('/apis/discovery.k8s.io/v1/endpointslices', k8s.endpointSlice(ns, 'api', pods));
    return { dep, rs, pods };
  }

  it('lists every type across pages with the hierarchy, IPs and service members', async () => {
    const { dep, pods } = seed();
    const listing = await source.list();
    const byKey = new Map(listing.resources.map((r) => [`${r.kind}/${r.externalId}`, r]));
    const pod = byKey.get(`pod/${pods[0]?.metadata.uid}`);
    expect(pod?.parent).toEqual({ kind: 'workload', externalId: dep.metadata.uid });
    expect(pod?.ips).toEqual(['10.1.0.1']);
    expect(byKey.get(`workload/${dep.metadata.uid}`)?.parent).toEqual({ kind: 'namespace', externalId: ns });
    expect(byKey.get(`namespace/${ns}`)?.parent).toEqual({ kind: 'cluster', externalId: 'k8s:c1' });
    expect(byKey.get('host/machine:m-1')?.ips).toEqual(['10.0.0.11']);
    const svc = byKey.get(`service/${ns}/api`);
    expect(svc?.ips).toEqual(['10.96.0.10']);
    expect(svc?.members?.map((m) => m.externalId).sort()).toEqual(pods.map((p) => p.metadata.uid).sort());
    expect(Number(listing.cursors?.pods)).toBeGreaterThan(1000);
    // Paged: 3 pods at 2 per page took two requests.
    expect(fake.requests.filter((r) => r.url.startsWith('/api/v1/pods?')).length).toBe(2);
  });

  it('a 5xx, malformed JSON, a dropped page or a bad token fail the whole listing', async () => {
    seed();
    fake.failList('/api/v1/pods', { status: 503 });
    await expect(source.list()).rejects.toMatchObject({ code: 'unreachable' });
    fake.failList('/api/v1/pods', { malformed: true });
    await expect(source.list()).rejects.toBeInstanceOf(SourceError);
    fake.failList('/api/v1/pods', { truncateAfterPage: 1 });
    await expect(source.list()).rejects.toBeInstanceOf(SourceError);
    const wrong = new KubernetesSource(
      'c1',
      'lab',
      { server: fake.url, insecureSkipTlsVerify: true },
      { token: 'nope' },
    );
    await expect(wrong.list()).rejects.toMatchObject({ code: 'unauthorized', retryable: false });
    await expect(wrong.test()).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(source.test()).resolves.toBeUndefined();
  });

  it('watches from the listing cursors: adds, deletes, membership changes, bookmarks; 410 rejects as expired', async () => {
    const { rs, pods } = seed();
    const listing = await source.list();
    const changes: SourceChange[] = [];
    const stop = new AbortController();
    const watching = source.watch(listing.cursors ?? {}, (c) => changes.push(c), stop.signal);
    await until(() => fake.openWatches === 9);
    const added = fake.put('/api/v1/pods', k8s.pod(ns, 'api-7f-4', '10.1.0.4', rs));
    fake.remove('/api/v1/pods', pods[0]?.metadata.uid as string);
    fake.bookmark();
    await until(() => changes.some((c) => c.type === 'cursor'));
    const up = changes.find((c) => c.type === 'upsert' && c.resource.externalId === added.metadata.uid);
    expect(up?.type === 'upsert' && up.resource.ips).toEqual(['10.1.0.4']);
    expect(changes.some((c) => c.type === 'delete' && c.key.externalId === pods[0]?.metadata.uid)).toBe(true);
    fake.compact();
    await expect(watching).rejects.toMatchObject({ code: 'expired' });
    // Resuming from a compacted version is refused the same way.
    await expect(source.watch(listing.cursors ?? {}, () => {}, stop.signal)).rejects.toMatchObject({
      code: 'expired',
    });
  });

  it('a stream broken midway rejects (the supervisor relists)', async () => {
    seed();
    const listing = await source.list();
    const stop = new AbortController();
    const watching = source.watch(listing.cursors ?? {}, () => {}, stop.signal);
    await until(() => fake.openWatches === 9);
    fake.breakWatches();
    await expect(watching).rejects.toMatchObject({ code: 'unreachable', retryable: true });
  });
});

async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
