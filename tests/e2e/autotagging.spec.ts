import { encodeL7RequestBatch, type L7Request, TapSide } from '@bathyscope/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { eventually } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';
import { type SignalGateway, startSignalGateway } from '../kit/signal-gateway';

/**
 * AutoTagging at ingest (SmartEncoding): rows leave the gateway with integer resource ids for both ends, resolved
 * from what the agent reports (its host and addresses, pid, process) and from the time-aware IP map; names are
 * joined at query time through ClickHouse's dictionaries. Runs a real gateway with its own embedded ClickHouse
 * in the test process, because tag columns have no read path in GraphQL yet.
 */
type TagRow = Record<string, number | string>;

describe('AutoTagging: resource ids at ingest, names at query time', () => {
  let gw: SignalGateway;
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let peer: { agentId: number; token: string };
  let other: Awaited<ReturnType<typeof createTenantWithAgent>>;
  const run = Math.random().toString(36).slice(2, 8);
  const prisma = testPrisma();

  const post = async (token: string, rows: L7Request[], seq: number) => {
    const res = await fetch(`${gw.url}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: new Uint8Array(encodeL7RequestBatch({ stream: 'tags', seq, rows })),
    });
    return { status: res.status, body: await res.json() };
  };

  const rowsOf = (tenantId: number, marker: string) =>
    gw.query<TagRow>(
      `SELECT tap_side, request_resource, agent_id,
              client_host_id, client_process_id, client_pod_id, client_namespace_id, client_service_id,
              server_host_id, server_process_id, server_pod_id, server_namespace_id, server_workload_id,
              dictGetOrDefault('bathyscope.resource_names', 'name', (tenant_id, 'host', server_host_id), '') AS server_host,
              dictGetOrDefault('bathyscope.resource_names', 'name', (tenant_id, 'process', server_process_id), '') AS server_process,
              dictGetOrDefault('bathyscope.resource_names', 'name', (tenant_id, 'pod', server_pod_id), '') AS server_pod,
              dictGetOrDefault('bathyscope.resource_names', 'name', (tenant_id, 'host', client_host_id), '') AS client_host
       FROM bathyscope.l7_flow_log WHERE tenant_id = {t:UInt32} AND request_resource LIKE {m:String}
       ORDER BY request_resource`,
      { t: tenantId, m: `%${marker}%` },
    );

  beforeAll(async () => {
    gw = await startSignalGateway();
    a = await createTenantWithAgent('tags');
    other = await createTenantWithAgent('tags-other');
    const { provisionAgent } = await import('@bathyscope/api/provision');
    peer = await provisionAgent(prisma, a.tenantId, 'tags-peer');
    // What enrollment stores: the host's name and addresses.
    await prisma.agent.update({
      where: { id: a.agent.agentId },
      data: { hostFacts: { hostname: `server-${run}`, ips: ['10.77.0.2', '127.0.0.1', 'fe80::1'] } },
    });
    await prisma.agent.update({
      where: { id: peer.agentId },
      data: { hostFacts: { hostname: `client-${run}`, ips: ['10.77.0.1'] } },
    });
    // The other tenant's agent claims the same addresses: they must never tag tenant a's rows or vice versa.
    await prisma.agent.update({
      where: { id: other.agent.agentId },
      data: { hostFacts: { hostname: `intruder-${run}`, ips: ['10.77.0.1', '10.77.0.2'] } },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  it('tags the observing side from the agent and the peer from its address; names resolve through dictionaries', async () => {
    const server = [
      wireRow(`/tags-${run}/server`, {
        tapSide: TapSide.Server,
        pid: 4242,
        processName: 'checkout',
        clientIp: '10.77.0.1',
        serverIp: '10.77.0.2',
        namespace: 'shop',
        service: 'checkout',
      }),
    ];
    const client = [
      wireRow(`/tags-${run}/client`, {
        tapSide: TapSide.Client,
        pid: 777,
        processName: 'curl',
        clientIp: '10.77.0.1',
        serverIp: '10.77.0.2',
      }),
      wireRow(`/tags-${run}/loopback`, {
        tapSide: TapSide.Client,
        pid: 778,
        processName: 'curl',
        clientIp: '127.0.0.1',
        serverIp: '127.0.0.1',
      }),
    ];
    // Each agent's first batch registers its host and addresses; then each knows the other's.
    expect((await post(a.agent.token, [wireRow(`/warmup-${run}`)], 100)).status).toBe(200);
    expect((await post(peer.token, [wireRow(`/warmup-${run}`)], 100)).status).toBe(200);
    expect((await post(a.agent.token, server, 1)).status).toBe(200);
    expect((await post(peer.token, client, 1)).status).toBe(200);
    await gw.ch.client.command({ query: 'SYSTEM RELOAD DICTIONARY bathyscope.resource_names' });

    const rows = await rowsOf(a.tenantId, `/tags-${run}/`);
    const byPath = Object.fromEntries(rows.map((r) => [String(r.request_resource).split('/').pop(), r]));
    const s = byPath.server as TagRow;
    const c = byPath.client as TagRow;
    const l = byPath.loopback as TagRow;
    // The server's own side: host, process, namespace; its peer (10.77.0.1) is the client agent's host.
    expect(s.server_host).toBe(`server-${run}`);
    expect(s.server_process).toBe('checkout');
    expect(Number(s.server_namespace_id)).toBeGreaterThan(0);
    expect(s.client_host).toBe(`client-${run}`);
    // The client's row: its own host and process; the server end is the server agent's host, by address.
    expect(c.client_host).toBe(`client-${run}`);
    expect(c.server_host).toBe(`server-${run}`);
    expect(Number(c.client_process_id)).toBeGreaterThan(0);
    expect(c.client_process_id).not.toBe(s.server_process_id);
    // Both agents agree on the ids: the same host id whichever agent saw it.
    expect(c.server_host_id).toBe(s.server_host_id);
    expect(c.client_host_id).toBe(s.client_host_id);
    // Loopback is the observing host itself on both ends.
    expect(l.server_host_id).toBe(c.client_host_id);
    expect(l.client_host_id).toBe(c.client_host_id);
  });

  it('an IP maps to the pod that held it at the row time, and past rows keep their tags', async () => {
    const now = Date.now();
    const switchAt = new Date(now - 60_000);
    const ns = await prisma.resource.create({
      data: {
        tenantId: a.tenantId,
        kind: 'namespace',
        externalId: `payments-${run}`,
        name: 'payments',
        source: 'test',
      },
    });
    const wl = await prisma.resource.create({
      data: {
        tenantId: a.tenantId,
        kind: 'workload',
        externalId: `wl-${run}`,
        name: 'api',
        source: 'test',
        parentId: ns.id,
      },
    });
    const [oldPod, newPod] = await Promise.all(
      ['api-old', 'api-new'].map((name) =>
        prisma.resource.create({
          data: {
            tenantId: a.tenantId,
            kind: 'pod',
            externalId: `${name}-${run}`,
            name,
            source: 'test',
            parentId: wl.id,
          },
        }),
      ),
    );
    // The address moved from the old pod to the new one a minute ago (what the Kubernetes connector records).
    await prisma.resourceIp.createMany({
      data: [
        {
          tenantId: a.tenantId,
          ip: '10.88.0.9',
          resourceId: (oldPod as { id: number }).id,
          validFrom: new Date(now - 3_600_000),
          validTo: switchAt,
        },
        { tenantId: a.tenantId, ip: '10.88.0.9', resourceId: (newPod as { id: number }).id, validFrom: switchAt },
      ],
    });
    const at = (us: number, name: string) =>
      wireRow(`/tags-${run}/pod-${name}`, {
        tapSide: TapSide.Client,
        serverIp: '10.88.0.9',
        clientIp: '10.77.0.1',
        startTimeUs: us,
        endTimeUs: us + 1000,
      });
    // Rows from before and after the switch, in one batch.
    const rowsIn = [at((now - 120_000) * 1000, 'before'), at((now - 1_000) * 1000, 'after')];
    // A new mapping reaches ingest within the IP map's refresh (5 s) plus a batch.
    const rows = await eventually(
      async () => {
        const seq = Date.now();
        expect((await post(peer.token, rowsIn, seq)).status).toBe(200);
        await gw.ch.client.command({ query: 'SYSTEM RELOAD DICTIONARY bathyscope.resource_names' });
        return rowsOf(a.tenantId, `/tags-${run}/pod-`);
      },
      (r) => r.some((x) => Number(x.server_pod_id) > 0 && String(x.request_resource).endsWith('after')),
      20_000,
    );
    const tagged = rows.filter((x) => Number(x.server_pod_id) > 0);
    const before = tagged.find((x) => String(x.request_resource).endsWith('before')) as TagRow;
    const after = tagged.find((x) => String(x.request_resource).endsWith('after')) as TagRow;
    // Ids, not names: resources a connector writes reach ClickHouse's dictionaries through the connector's sync.
    expect(before.server_pod_id).toBe((oldPod as { id: number }).id);
    expect(after.server_pod_id).toBe((newPod as { id: number }).id);
    // A pod carries its ancestors: workload and namespace.
    expect(after.server_workload_id).toBe(wl.id);
    expect(after.server_namespace_id).toBe(ns.id);
  }, 40_000);

  it('another tenant reporting the same addresses and pids gets its own resources and never tags across', async () => {
    const r = wireRow(`/tags-${run}/other`, {
      tapSide: TapSide.Server,
      pid: 4242,
      processName: 'checkout',
      clientIp: '10.77.0.1',
      serverIp: '10.77.0.2',
    });
    expect((await post(other.agent.token, [r], 1)).status).toBe(200);
    await gw.ch.client.command({ query: 'SYSTEM RELOAD DICTIONARY bathyscope.resource_names' });
    const [mine] = await rowsOf(other.tenantId, `/tags-${run}/other`);
    const [theirs] = await rowsOf(a.tenantId, `/tags-${run}/server`);
    expect(mine?.server_host).toBe(`intruder-${run}`);
    // 10.77.0.1 is tenant a's client host there; here it resolves within this tenant only (its own host).
    expect(mine?.client_host_id).toBe(mine?.server_host_id);
    for (const k of ['server_host_id', 'server_process_id', 'client_host_id']) {
      expect(mine?.[k]).not.toBe(theirs?.[k]);
    }
    // The other tenant's names are not reachable with tenant a's key, even by id.
    const cross = await gw.query<{ name: string }>(
      `SELECT dictGetOrDefault('bathyscope.resource_names', 'name', (toUInt32({t:UInt32}), 'host', toUInt32({id:UInt32})), '') AS name`,
      { t: a.tenantId, id: Number(mine?.server_host_id) },
    );
    expect(cross[0]?.name).toBe('');
    // Resources are stored per tenant in Postgres too.
    const intruder = await prisma.resource.findMany({ where: { tenantId: a.tenantId, name: `intruder-${run}` } });
    expect(intruder).toEqual([]);
  });
});
