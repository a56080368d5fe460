import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { K8S_TYPES, type K8sObject, KubernetesModel } from './kubernetes-model.js';
import { type DiscoveredResource, SourceError } from './source-types.js';

const cluster = { kind: 'cluster' as const, externalId: 'k8s:test' };
const uid = fc.uuid();
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const ipv4 = fc.ipV4();

describe('KubernetesModel (decoding API objects)', () => {
  it('any JSON as any type either decodes or fails with a SourceError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...K8S_TYPES),
        fc.oneof(
          fc.jsonValue(),
          // Valid identity, anything else: the bodies real servers (and broken proxies) send.
          fc.record({
            metadata: fc.record({
              uid,
              name,
              namespace: name,
              labels: fc.jsonValue(),
              ownerReferences: fc.jsonValue(),
            }),
            spec: fc.jsonValue(),
            status: fc.jsonValue(),
            endpoints: fc.jsonValue(),
          }),
        ),
        (type, value) => {
          const model = new KubernetesModel(cluster, 'c');
          try {
            const out = model.upsert(type, value as K8sObject);
            for (const r of out) {
              expect(typeof r.externalId).toBe('string');
              expect(r.externalId.length).toBeGreaterThan(0);
            }
            model.remove(type, value as K8sObject);
          } catch (err) {
            expect(err).toBeInstanceOf(SourceError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a pod lands under its Deployment whichever of pod and ReplicaSet arrives first', () => {
    fc.assert(
      fc.property(uid, uid, uid, name, ipv4, fc.boolean(), (depUid, rsUid, podUid, ns, ip, podFirst) => {
        const model = new KubernetesModel(cluster, 'c');
        const rs: K8sObject = {
          metadata: {
            uid: rsUid,
            name: 'rs',
            namespace: ns,
            ownerReferences: [{ kind: 'Deployment', name: 'd', uid: depUid, controller: true }],
          },
        };
        const pod: K8sObject = {
          metadata: {
            uid: podUid,
            name: 'p',
            namespace: ns,
            ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', uid: rsUid, controller: true }],
          },
          spec: {},
          status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
        };
        const emitted: DiscoveredResource[] = podFirst
          ? [...model.upsert('pods', pod), ...model.upsert('replicasets', rs)]
          : [...model.upsert('replicasets', rs), ...model.upsert('pods', pod)];
        const last = emitted.filter((r) => r.kind === 'pod' && r.externalId === podUid).at(-1);
        expect(last?.parent).toEqual({ kind: 'workload', externalId: depUid });
        expect(last?.ips).toEqual([ip]);
      }),
    );
  });

  it("service members are the union of its slices' pods, and follow slice changes and deletions", () => {
    fc.assert(
      fc.property(
        name,
        fc.array(fc.array(uid, { maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (ns, slicePods, dropIndex) => {
          const model = new KubernetesModel(cluster, 'c');
          model.upsert('services', {
            metadata: { uid: 'svc', name: 'api', namespace: ns },
            spec: { clusterIP: '10.96.0.1' },
          });
          const slices = slicePods.map((pods, i) => ({
            metadata: {
              uid: `slice-${i}`,
              name: `api-${i}`,
              namespace: ns,
              labels: { 'kubernetes.io/service-name': 'api' },
            },
            endpoints: pods.map((p) => ({ targetRef: { kind: 'Pod', uid: p } })),
          }));
          let last: DiscoveredResource | undefined;
          for (const s of slices) last = model.upsert('endpointslices', s).at(-1);
          const all = new Set(slicePods.flat());
          expect(new Set(last?.members?.map((m) => m.externalId))).toEqual(all);
          const drop = dropIndex % slices.length;
          const after = model.remove('endpointslices', slices[drop] as K8sObject).changed.at(-1);
          const remaining = new Set(slicePods.filter((_, i) => i !== drop).flat());
          expect(new Set(after?.members?.map((m) => m.externalId))).toEqual(remaining);
        },
      ),
    );
  });

  it('host-network and finished pods hold no IPs of their own', () => {
    const model = new KubernetesModel(cluster, 'c');
    const base = { metadata: { uid: 'u', name: 'p', namespace: 'n' }, status: { podIP: '10.0.0.5', phase: 'Running' } };
    expect(model.upsert('pods', { ...base, spec: { hostNetwork: true } })[0]?.ips).toEqual([]);
    expect(model.upsert('pods', { ...base, spec: {}, status: { ...base.status, phase: 'Succeeded' } })[0]?.ips).toEqual(
      [],
    );
    expect(model.upsert('pods', { ...base, spec: {} })[0]?.ips).toEqual(['10.0.0.5']);
  });
});
