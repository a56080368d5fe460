import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ClickHouseHandle, migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import { createIngestServer, type IngestServer } from '@bathyscope/ingest';
import { encodeL7RequestBatch, type L7Request, TapSide } from '@bathyscope/wire';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { FakeKubernetes, type K8sObj, k8s } from '../kit/fake-kubernetes';
import { createTenantWithAgent, testPrisma } from '../kit/fixtures';
import { allRequests, eventually, GraphQLSession, ok } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

/**
 * Resource sync end to end: the stack's API runs the Kubernetes connector against a loopback API server (real
 * list/watch wire format), writes the inventory to Postgres and announces changes on Redis; a real ingest gateway
 * (with its own embedded ClickHouse, so the test can read tag columns) follows the announcements and tags traffic.
 */
const stack = inject('stack');

type TagRow = Record<string, number | string>;

const CONNECTOR_FIELDS =
  'id kind name config hasCredentials enabled intervalSeconds lastRunAt lastSuccessAt lastError lastErrorAt healthy lastCounts';

describe('resource sync: Kubernetes connector → inventory → AutoTagging', () => {
  const prisma = testPrisma();
  const fake = new FakeKubernetes();
  const ns = `shop-${randomBytes(3).toString('hex')}`;
  let a: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let b: Awaited<ReturnType<typeof createTenantWithAgent>>;
  let sa: GraphQLSession;
  let sb: GraphQLSession;
  let connectorId: string;
  let gw: { url: string; ch: ClickHouseHandle; server: IngestServer; redis: Redis; dir: string };
  let dep: K8sObj;
  let rs: K8sObj;
  let pod1: K8sObj;
  let svc: K8sObj;
  let slice: K8sObj;
  let node1: K8sObj;

  const resourceId = async (kind: string, externalId: string) =>
    (await prisma.resource.findFirst({ where: { tenantId: a.tenantId, kind, externalId } }))?.id ?? 0;

  const post = async (rows: L7Request[]) => {
    const res = await fetch(`${gw.url}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${a.agent.token}` },
      body: new Uint8Array(encodeL7RequestBatch({ stream: 'sync', seq: Date.now() + Math.random(), rows })),
    });
    expect(res.status).toBe(200);
  };

  const rowsOf = async (marker: string) => {
    const rs = await gw.ch.client.query({
      query: `SELECT request_resource, server_pod_id, server_workload_id, server_namespace_id, server_service_id,
                     server_cluster_id
              FROM bathyscope.l7_flow_log WHERE tenant_id = {t:UInt32} AND request_resource LIKE {m:String}
              ORDER BY request_resource`,
      query_params: { t: a.tenantId, m: `%${marker}%` },
      format: 'JSONEachRow',
    });
    return (await rs.json()) as TagRow[];
  };

  /** A client-side row from the agent's host to `ip`, observed at `atMs`. */
  const toIp = (marker: string, ip: string, atMs = Date.now()) =>
    wireRow(marker, {
      tapSide: TapSide.Client,
      pid: 9001,
      processName: 'curl',
      clientIp: '10.123.0.1',
      serverIp: ip,
      startTimeUs: atMs * 1000 - 1500,
      endTimeUs: atMs * 1000,
    });

  const connector = async (s: GraphQLSession = sa) =>
    (await ok(s.request(`query($id: ID!) { connector(id: $id) { ${CONNECTOR_FIELDS} } }`, { id: connectorId })))
      .connector;

  const resourcesOfConnector = () =>
    prisma.resource.findMany({
      where: { tenantId: a.tenantId, source: `connector:${connectorId}` },
      select: { id: true, kind: true, externalId: true, name: true, deletedAt: true, parentId: true },
      orderBy: { id: 'asc' },
    });

  beforeAll(async () => {
    await fake.start();
    a = await createTenantWithAgent('sync-a');
    b = await createTenantWithAgent('sync-b');
    sa = new GraphQLSession(stack.apiUrl);
    await sa.login(a.email, a.password);
    sb = new GraphQLSession(stack.apiUrl);
    await sb.login(b.email, b.password);

    fake.put('/api/v1/namespaces', k8s.namespace(ns));
    node1 = fake.put('/api/v1/nodes', k8s.node('node-1', `m-${randomBytes(4).toString('hex')}`, '10.123.9.1'));
    dep = fake.put('/apis/apps/v1/deployments', k8s.deployment(ns, 'api', { app: 'api' }));
    rs = fake.put('/apis/apps/v1/replicasets', k8s.replicaSet(ns, 'api-7f', dep));
    pod1 = fake.put('/api/v1/pods', k8s.pod(ns, 'api-7f-1', '10.123.1.1', rs, { app: 'api' }));
    svc = fake.put('/api/v1/services', k8s.service(ns, 'api', '10.123.200.1', { app: 'api' }));
    slice = fake.put('/apis/discovery.k8s.io/v1/endpointslices', k8s.endpointSlice(ns, 'api', [pod1]));

    const dir = mkdtempSync(path.join(tmpdir(), 'bathyscope-sync-'));
    const ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'bathyscope', clickhouseUrl: undefined });
    await migrateClickHouse(ch);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const server = createIngestServer({
      ch,
      prisma,
      redis,
      maxBatchBytes: 1 << 20,
      accessTokenKey: randomBytes(32),
      checkin: { register: false },
    });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = server.app.server.address();
    if (!address || typeof address !== 'object') throw new Error('gateway has no address');
    gw = { url: `http://127.0.0.1:${address.port}`, ch, server, redis, dir };
  }, 120_000);

  afterAll(async () => {
    if (connectorId) await sa.request(`mutation { deleteConnector(id: "${connectorId}") { id } }`);
    await fake.close();
    await gw?.server.app.close();
    await gw?.ch.close();
    gw?.redis.disconnect();
    if (gw) rmSync(gw.dir, { recursive: true, force: true });
  });

  it('creates a connector whose credentials are write-only, and its first sync fills the inventory', async () => {
    const created = await ok(
      sa.request(`mutation($i: CreateConnectorInput!) { createConnector(input: $i) { ${CONNECTOR_FIELDS} } }`, {
        i: {
          kind: 'k8s',
          name: 'lab',
          config: { server: fake.url, insecureSkipTlsVerify: true, clusterName: 'lab' },
          credentials: { token: fake.token },
          intervalSeconds: 60,
        },
      }),
    );
    connectorId = created.createConnector.id;
    expect(created.createConnector.hasCredentials).toBe(true);
    expect(JSON.stringify(created)).not.toContain(fake.token);

    const status = await eventually(connector, (c) => Boolean(c.lastSuccessAt), 20_000);
    expect(status.lastError).toBeNull();
    expect(status.healthy).toBe(true);
    expect(status.lastCounts.created).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(status)).not.toContain(fake.token);
    // Not in the schema at all, and stored encrypted.
    const field = await sa.request(`{ connector(id: "${connectorId}") { credentials } }`);
    expect(field.errors?.[0]?.message).toMatch(/Cannot query field "credentials"/);
    const row = await prisma.connector.findUniqueOrThrow({ where: { id: connectorId } });
    expect(row.credentials).toMatch(/^v1\./);
    expect(row.credentials).not.toContain(fake.token);
    // The audit log has the change, without the token.
    const audit = await ok(sa.request('{ auditLog(page: { first: 20 }) { edges { node { action after } } } }'));
    const entry = audit.auditLog.edges.find((e: { node: { action: string } }) => e.node.action === 'connector.create');
    expect(entry).toBeTruthy();
    expect(JSON.stringify(audit)).not.toContain(fake.token);

    const test = await ok(sa.request(`mutation { testConnector(id: "${connectorId}") { ok error } }`));
    expect(test.testConnector).toEqual({ ok: true, error: null });

    // Inventory: search, filters, detail with the parent chain, IPs and services.
    const list = await ok(
      sa.request('query($f: InventoryFilter) { inventory(filter: $f) { edges { node { id kind name } } } }', {
        f: { search: 'api-7f', kinds: ['pod'] },
      }),
    );
    expect(list.inventory.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['api-7f-1']);
    const byLabel = await ok(
      sa.request('query($f: InventoryFilter) { inventory(filter: $f) { edges { node { name } } } }', {
        f: { label: 'app=api', kinds: ['pod'] },
      }),
    );
    expect(byLabel.inventory.edges).toHaveLength(1);
    const podId = await resourceId('pod', pod1.metadata.uid);
    const detail = await ok(
      sa.request(
        'query($id: Int!) { inventoryResource(id: $id) { name ancestors { kind name } ips { ip validTo } services { name } } }',
        { id: podId },
      ),
    );
    expect(detail.inventoryResource.ancestors.map((x: { kind: string }) => x.kind)).toEqual([
      'workload',
      'namespace',
      'cluster',
    ]);
    expect(detail.inventoryResource.ips).toEqual([{ ip: '10.123.1.1', validTo: null }]);
    expect(detail.inventoryResource.services).toEqual([{ name: 'api' }]);
    // A page's IPs come from one statement for the whole page; each row gets its own, as the detail shows them.
    const withIps = await ok(
      sa.request('{ inventory(page: { first: 50 }) { edges { node { id kind ips { ip validTo } } } } }'),
    );
    const rowsWithIps = withIps.inventory.edges.map(
      (e: { node: { id: number; kind: string; ips: unknown[] } }) => e.node,
    );
    expect(rowsWithIps.find((r: { id: number }) => r.id === podId)?.ips).toEqual([{ ip: '10.123.1.1', validTo: null }]);
    for (const r of rowsWithIps.filter((x: { kind: string }) => x.kind !== 'pod')) {
      const one = await ok(
        sa.request('query($id: Int!) { inventoryResource(id: $id) { ips { ip validTo } } }', { id: r.id }),
      );
      expect(r.ips).toEqual(one.inventoryResource.ips);
    }
    const paged = await ok(
      sa.request('{ inventory(page: { first: 2 }) { edges { cursor } pageInfo { hasNextPage endCursor } } }'),
    );
    expect(paged.inventory.pageInfo.hasNextPage).toBe(true);
    const next = await ok(
      sa.request('query($c: String) { inventory(page: { first: 2, after: $c }) { edges { cursor } } }', {
        c: paged.inventory.pageInfo.endCursor,
      }),
    );
    expect(next.inventory.edges[0].cursor).not.toBe(paged.inventory.edges[0].cursor);
  });

  it('refuses renaming a connector onto a name the tenant uses already, under the name field', async () => {
    const second = await ok(
      sa.request(`mutation($i: CreateConnectorInput!) { createConnector(input: $i) { id } }`, {
        i: {
          kind: 'k8s',
          name: 'lab-spare',
          config: { server: fake.url, insecureSkipTlsVerify: true, clusterName: 'spare' },
          credentials: { token: fake.token },
          enabled: false,
          intervalSeconds: 60,
        },
      }),
    );
    const id = second.createConnector.id as string;
    const rename = await sa.request(`mutation { updateConnector(id: "${id}", input: { name: "lab" }) { id } }`);
    expect(rename.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'name' });
    await ok(sa.request(`mutation { deleteConnector(id: "${id}") { id } }`));
  });

  it('a new pod in the watch stream tags new traffic with its pod, workload, service and namespace within 10 s', async () => {
    await eventually(
      async () => fake.openWatches,
      (n) => n >= 9,
      15_000,
    );
    const marker = `/sync-new-${randomBytes(3).toString('hex')}`;
    const started = Date.now();
    const pod2 = fake.put('/api/v1/pods', k8s.pod(ns, 'api-7f-2', '10.123.1.2', rs, { app: 'api' }));
    fake.put('/apis/discovery.k8s.io/v1/endpointslices', {
      ...k8s.endpointSlice(ns, 'api', [pod1, pod2]),
      metadata: slice.metadata,
    });
    let n = 0;
    const rows = await eventually(
      async () => {
        await post([toIp(`${marker}/${n++}`, '10.123.1.2')]);
        return rowsOf(marker);
      },
      (r) => r.some((x) => Number(x.server_pod_id) > 0 && Number(x.server_service_id) > 0),
      10_000,
    );
    const elapsed = Date.now() - started;
    const tagged = rows.find((x) => Number(x.server_pod_id) > 0 && Number(x.server_service_id) > 0) as TagRow;
    expect(tagged, 'tagged within 10 s').toBeTruthy();
    expect(elapsed).toBeLessThan(10_000);
    console.log(`new pod → tagged traffic in ${elapsed} ms`);
    expect(Number(tagged.server_pod_id)).toBe(await resourceId('pod', pod2.metadata.uid));
    expect(Number(tagged.server_workload_id)).toBe(await resourceId('workload', dep.metadata.uid));
    expect(Number(tagged.server_namespace_id)).toBe(await resourceId('namespace', ns));
    expect(Number(tagged.server_service_id)).toBe(await resourceId('service', `${ns}/api`));
    expect(Number(tagged.server_cluster_id)).toBe(await resourceId('cluster', `k8s:${connectorId}`));
    // The service's cluster IP tags as the service.
    const svcMarker = `${marker}-svc`;
    const svcRows = await eventually(
      async () => {
        await post([toIp(`${svcMarker}/${n++}`, '10.123.200.1')]);
        return rowsOf(svcMarker);
      },
      (r) => r.some((x) => Number(x.server_service_id) > 0),
      10_000,
    );
    expect(Number(svcRows.find((x) => Number(x.server_service_id) > 0)?.server_service_id)).toBe(
      await resourceId('service', `${ns}/api`),
    );
    expect(svc.metadata.uid).toBeTruthy();
  });

  it("a renamed node reads by its new name through the stack's ClickHouse dictionaries within 10 s", async () => {
    // Traffic to the node's address through the stack's own ingest, so its ClickHouse (the API's) holds the row
    // and the request log's host filter reads the name through dictGet on resource_names.
    const marker = `/sync-rename-${randomBytes(3).toString('hex')}`;
    const res = await fetch(`${stack.ingestUrl}/v1/l7`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${a.agent.token}` },
      body: new Uint8Array(
        encodeL7RequestBatch({ stream: 'rename', seq: Date.now(), rows: [toIp(marker, '10.123.9.1')] }),
      ),
    });
    expect(res.status).toBe(200);
    const byHost = (name: string) =>
      allRequests(sa, { host: name }).then((rows) => rows.filter((r) => r.path === marker));
    expect(
      await eventually(
        () => byHost('node-1'),
        (r) => r.length === 1,
        20_000,
      ),
    ).toHaveLength(1);

    const renamed = `node-1-renamed-${randomBytes(2).toString('hex')}`;
    const started = Date.now();
    node1 = fake.put('/api/v1/nodes', { ...node1, metadata: { ...node1.metadata, name: renamed } });
    const found = await eventually(
      () => byHost(renamed),
      (r) => r.length === 1,
      10_000,
    );
    const elapsed = Date.now() - started;
    console.log(`renamed node → new name through dictGet in ${elapsed} ms`);
    expect(found, 'the new name within 10 s').toHaveLength(1);
    expect(elapsed).toBeLessThan(10_000);
    expect(await byHost('node-1')).toHaveLength(0);
  });

  it('a deleted pod is tombstoned; its past rows keep their tags and new traffic to its IP does not get them', async () => {
    const marker = `/sync-del-${randomBytes(3).toString('hex')}`;
    const podId = await resourceId('pod', pod1.metadata.uid);
    await post([toIp(`${marker}/before`, '10.123.1.1')]);
    const before = await rowsOf(`${marker}/before`);
    expect(Number(before[0]?.server_pod_id)).toBe(podId);

    const deletedAt = Date.now();
    fake.remove('/api/v1/pods', pod1.metadata.uid);
    const gone = await eventually(
      () => prisma.resource.findFirstOrThrow({ where: { id: podId } }),
      (r) => r.deletedAt !== null,
      10_000,
    );
    expect(gone.deletedAt).not.toBeNull();
    const ip = await prisma.resourceIp.findFirstOrThrow({ where: { resourceId: podId, ip: '10.123.1.1' } });
    expect(ip.validTo).not.toBeNull();
    // Stored rows are never re-tagged; a late batch from before the deletion is still tagged with the pod.
    let n = 0;
    const after = await eventually(
      async () => {
        await post([toIp(`${marker}/after-${n++}`, '10.123.1.1')]);
        return rowsOf(`${marker}/after`);
      },
      (r) => r.some((x) => Number(x.server_pod_id) === 0),
      10_000,
    );
    expect(after.some((x) => Number(x.server_pod_id) === 0)).toBe(true);
    await post([toIp(`${marker}/late`, '10.123.1.1', deletedAt - 2_000)]);
    expect(Number((await rowsOf(`${marker}/late`))[0]?.server_pod_id)).toBe(podId);
    expect(Number((await rowsOf(`${marker}/before`))[0]?.server_pod_id)).toBe(podId);
  });

  it('a 5xx, a malformed list or a broken watch leave resources untouched and show in the status', async () => {
    const snapshot = await resourcesOfConnector();
    const live = snapshot.filter((r) => r.deletedAt === null).length;
    expect(live).toBeGreaterThan(5);

    for (const fault of [{ status: 503 }, { malformed: true as const }]) {
      // Failing several times in a row: the supervisor retries with growing backoff.
      fake.failList('/api/v1/pods', fault, fault, fault);
      const before = (await connector()).lastErrorAt;
      await ok(sa.request(`mutation { runConnector(id: "${connectorId}") { id } }`));
      const status = await eventually(connector, (c) => c.lastErrorAt !== before, 20_000);
      expect(status.lastError).toMatch('status' in fault ? /unreachable: pods: HTTP 503/ : /malformed/);
      expect(await resourcesOfConnector()).toEqual(snapshot);
      // Back to healthy once the API answers again: the supervisor relists after its backoff.
      const healed = await eventually(connector, (c) => c.healthy, 30_000);
      expect(healed.healthy).toBe(true);
      expect(await resourcesOfConnector()).toEqual(snapshot);
    }

    const before = (await connector()).lastErrorAt;
    fake.breakWatches();
    const broken = await eventually(connector, (c) => c.lastErrorAt !== before, 10_000);
    expect(broken.lastError).toMatch(/watch/);
    // It relists and follows again; nothing was deleted on the way.
    await eventually(
      async () => fake.openWatches,
      (n) => n >= 9,
      30_000,
    );
    expect((await eventually(connector, (c) => c.healthy, 30_000)).healthy).toBe(true);
    expect(await resourcesOfConnector()).toEqual(snapshot);
  });

  it('410 Gone relists: objects changed while the watch was expired are picked up, vanished ones tombstoned', async () => {
    await eventually(
      async () => fake.openWatches,
      (n) => n >= 9,
      30_000,
    );
    const listsBefore = fake.requests.filter(
      (r) => r.url.startsWith('/api/v1/pods?') && !r.url.includes('watch'),
    ).length;
    // Changes the watch never sees: the history they were in is compacted before anyone reads it.
    const sneaky = k8s.pod(ns, 'api-7f-3', '10.123.1.3', rs);
    const dropped = (
      await prisma.resource.findFirstOrThrow({ where: { kind: 'pod', name: 'api-7f-2', tenantId: a.tenantId } })
    ).externalId;
    fake.breakWatches();
    fake.put('/api/v1/pods', sneaky);
    fake.remove('/api/v1/pods', dropped);
    fake.compact();
    const podNow = await eventually(
      () => resourceId('pod', sneaky.metadata.uid),
      (id) => id > 0,
      30_000,
    );
    expect(podNow).toBeGreaterThan(0);
    const droppedRow = await eventually(
      () => prisma.resource.findFirstOrThrow({ where: { tenantId: a.tenantId, kind: 'pod', externalId: dropped } }),
      (r) => r.deletedAt !== null,
      10_000,
    );
    expect(droppedRow.deletedAt).not.toBeNull();
    const listsAfter = fake.requests.filter(
      (r) => r.url.startsWith('/api/v1/pods?') && !r.url.includes('watch'),
    ).length;
    expect(listsAfter).toBeGreaterThan(listsBefore);
  });

  it("the agent's own view (cgroup → pod UID) and the connector describe one pod row", async () => {
    const pod = fake.put('/api/v1/pods', k8s.pod(ns, 'api-7f-9', '10.123.1.9', rs));
    const podId = await eventually(
      () => resourceId('pod', pod.metadata.uid),
      (id) => id > 0,
      10_000,
    );
    const marker = `/sync-agent-${randomBytes(3).toString('hex')}`;
    // The agent on that pod's node reports its server-side traffic with the container id and pod UID from the cgroup.
    await post([
      wireRow(marker, {
        tapSide: TapSide.Server,
        pid: 4321,
        processName: 'api',
        podUid: pod.metadata.uid,
        containerId: randomBytes(32).toString('hex'),
        clientIp: '10.123.0.1',
        serverIp: '10.123.1.9',
      }),
    ]);
    const [row] = await rowsOf(marker);
    expect(Number(row?.server_pod_id)).toBe(podId);
    expect(Number(row?.server_workload_id)).toBe(await resourceId('workload', dep.metadata.uid));
    const rows = await prisma.resource.findMany({
      where: { tenantId: a.tenantId, kind: 'pod', externalId: pod.metadata.uid },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.name).toBe('api-7f-9');
    expect(rows[0]?.source).toBe(`connector:${connectorId}`);
  });

  it('another tenant sees none of it: connectors and resources are NOT_FOUND or absent', async () => {
    const podId = await resourceId('pod', pod1.metadata.uid);
    const none = await ok(sb.request('{ connectors { edges { node { id name } } } }'));
    expect(none.connectors.edges).toEqual([]);
    const inv = await ok(
      sb.request(
        '{ inventory(filter: { includeDeleted: true }, page: { first: 200 }) { edges { node { id name externalId } } } }',
      ),
    );
    expect(JSON.stringify(inv)).not.toContain(ns);
    expect(JSON.stringify(inv)).not.toContain(pod1.metadata.uid);
    const probes = [
      `{ connector(id: "${connectorId}") { id } }`,
      `{ inventoryResource(id: ${podId}) { id } }`,
      `mutation { updateConnector(id: "${connectorId}", input: { enabled: false }) { id } }`,
      `mutation { runConnector(id: "${connectorId}") { id } }`,
      `mutation { testConnector(id: "${connectorId}") { ok } }`,
      `mutation { deleteConnector(id: "${connectorId}") { id } }`,
    ];
    for (const q of probes) {
      const r = await sb.request(q);
      expect(r.data, q).toBeNull();
      expect(['NOT_FOUND', 'FORBIDDEN'], q).toContain(r.errors?.[0]?.extensions?.code);
    }
    // B's agent posting traffic to A's pod IPs gets none of A's tags (the IP map is per tenant).
    expect((await connector()).enabled).toBe(true);
  });

  it('a viewer can read the inventory but not manage connectors', async () => {
    const created = await ok(
      sa.request('mutation { createApiKey(input: { name: "sync-viewer", role: "viewer" }) { secret } }'),
    );
    const key = created.createApiKey.secret as string;
    const viewer = (q: string) =>
      fetch(`${stack.apiUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: q }),
      }).then((r) => r.json() as Promise<{ data: unknown; errors?: { extensions?: { code?: string } }[] }>);
    expect((await viewer('{ inventory { edges { node { id } } } }')).errors).toBeUndefined();
    // Read-only: the connector's status, counts and last error (which may name the endpoint that failed), never
    // its configuration or credentials.
    const seen = await viewer(`{ connectors { edges { node { ${CONNECTOR_FIELDS} } } } }`);
    expect(seen.errors).toBeUndefined();
    const mine = (seen.data as { connectors: { edges: { node: Record<string, unknown> }[] } }).connectors.edges.find(
      (e) => e.node.id === connectorId,
    )?.node;
    expect(mine).toMatchObject({ name: 'lab', kind: 'k8s', hasCredentials: true });
    expect(mine?.lastSuccessAt).toBeTruthy();
    expect(mine?.lastCounts).toBeTruthy();
    expect(mine?.config).toEqual({});
    expect(JSON.stringify(seen)).not.toContain(fake.token);
    const denied = await viewer(`mutation { runConnector(id: "${connectorId}") { id } }`);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('two API processes: one watches a connector (Redis lease), the other takes over when it dies; fencing stops the old one', async () => {
    // Two engines, as two API processes would run them, following one connector that only they know (created in
    // the database directly, so the stack's own API does not follow it), against a Kubernetes API of its own.
    const { ResourceSyncEngine } = await import('../../apps/api/dist/modules/resource-sync/engine/sync-engine.js');
    const { ConnectorRunner } = await import('../../apps/api/dist/modules/resource-sync/engine/connector-runner.js');
    const { WatchSupervisor } = await import(
      '../../apps/api/dist/modules/resource-sync/scheduling/watch-supervisor.js'
    );
    const { WatchLeases } = await import('../../apps/api/dist/modules/resource-sync/scheduling/watch-lease.js');
    const { SecretBox } = await import('../../apps/api/dist/infra/secret-box.js');
    const cluster = new FakeKubernetes();
    await cluster.start();
    const leaseNs = `lease-${randomBytes(3).toString('hex')}`;
    cluster.put('/api/v1/namespaces', k8s.namespace(leaseNs));
    const leaseRs = cluster.put(
      '/apis/apps/v1/replicasets',
      k8s.replicaSet(leaseNs, 'w-1', cluster.put('/apis/apps/v1/deployments', k8s.deployment(leaseNs, 'w', {}))),
    );
    const secrets = new SecretBox(gw.dir);
    const row = await prisma.connector.create({
      data: {
        tenantId: a.tenantId,
        kind: 'k8s',
        name: 'lease',
        config: { server: cluster.url, insecureSkipTlsVerify: true, clusterName: 'lease' },
        credentials: secrets.seal(JSON.stringify({ token: cluster.token })),
      },
    });
    const ttlMs = 3_000;
    const processes = [0, 1].map(() => {
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
      const engine = new ResourceSyncEngine(prisma, gw.ch, async (t: number) => {
        await redis.publish('bathyscope:resources', String(t));
      });
      const leases = new WatchLeases(redis, { ttlMs });
      const supervisor = new WatchSupervisor(new ConnectorRunner(prisma, secrets, engine), { leases, flushMs: 50 });
      return { redis, leases, supervisor };
    });
    const podRow = (uid: string) =>
      prisma.resource.findFirst({ where: { tenantId: a.tenantId, kind: 'pod', externalId: uid, deletedAt: null } });
    try {
      for (const p of processes) p.supervisor.follow(row.id);
      const leaders = () => processes.filter((p) => p.supervisor.isLeading(row.id));
      await eventually(
        async () => leaders().length,
        (n) => n === 1,
        10_000,
      );
      const watchesOfOne = await eventually(
        async () => cluster.openWatches,
        (n) => n >= 9,
        15_000,
      );
      // Both keep following; a whole lease lifetime later still one leader and one process's worth of watches.
      await new Promise((r) => setTimeout(r, ttlMs * 1.5));
      expect(leaders()).toHaveLength(1);
      expect(cluster.openWatches).toBe(watchesOfOne);
      const first = leaders()[0] as (typeof processes)[number];
      const standby = processes.find((p) => p !== first) as (typeof processes)[number];
      const p1 = cluster.put('/api/v1/pods', k8s.pod(leaseNs, 'lease-1', '10.124.0.1', leaseRs));
      await eventually(
        () => podRow(p1.metadata.uid),
        (r) => r !== null,
        10_000,
      );

      // The leader dies: its Redis connection goes first, so it can neither renew nor release the lease.
      const died = Date.now();
      first.redis.disconnect();
      await first.supervisor.close();
      await eventually(
        async () => standby.supervisor.isLeading(row.id),
        (x) => x,
        ttlMs * 4,
      );
      const takeover = Date.now() - died;
      console.log(`watch lease: standby took over ${takeover} ms after the leader died (lease ${ttlMs} ms)`);
      expect(takeover).toBeLessThan(ttlMs * 3);
      const p2 = cluster.put('/api/v1/pods', k8s.pod(leaseNs, 'lease-2', '10.124.0.2', leaseRs));
      await eventually(
        () => podRow(p2.metadata.uid),
        (r) => r !== null,
        15_000,
      );

      // Fencing: a holder whose lease lapsed and was taken is refused, even before it tries to renew.
      const probe = `lease-probe-${randomBytes(3).toString('hex')}`;
      const old = await standby.leases.acquire(probe);
      expect(old).not.toBeNull();
      await standby.redis.del(`bathyscope:watch-lease:${probe}`); // its lifetime ran out (a long GC pause)
      const next = await standby.leases.acquire(probe);
      expect(next?.fence).toBe((old?.fence ?? 0) + 1);
      expect(await old?.valid()).toBe(false);
      expect(await old?.renew()).toBe('lost');
      expect(await next?.valid()).toBe(true);
      expect(await standby.leases.acquire(probe)).toBeNull();
      await next?.release();
      await standby.redis.del(`bathyscope:watch-fence:${probe}`);
    } finally {
      for (const p of processes) {
        await p.supervisor.close();
        p.redis.disconnect();
      }
      await prisma.connector.delete({ where: { id: row.id } });
      await cluster.close();
    }
  });
});
