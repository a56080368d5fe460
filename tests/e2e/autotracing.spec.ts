import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { eventually, GraphQLSession } from '../kit/graphql-client';
import { SERVICE_A, SERVICE_B, startRedis, startService } from '../kit/three-hop-chain';

const stack = inject('stack');
const skipEbpf = !stack.agentCapturing && process.env.BATHYSCOPE_SKIP_EBPF === '1';

/** Service ports: just above the stack's own (base .. base + 3). */
const BASE = Number(process.env.BATHYSCOPE_TEST_PORT_BASE ?? 14000);
const PORT_A = BASE + 10;
const PORT_B = BASE + 11;
const PORT_REDIS = BASE + 12;
const REQUESTS = 3;

interface TracedRow {
  side: string;
  pid: number;
  processName: string;
  protocol: string;
  method: string;
  path: string;
  status: number;
  serverPort: number;
  xRequestId: string;
  syscallTraceIdRequest: string;
  syscallTraceIdResponse: string;
  reqTcpSeq: number;
  respTcpSeq: number;
}

const QUERY = `query($t: TimeRangeInput!, $f: RequestFilterInput, $p: PageInput) {
  requests(timeRange: $t, filter: $f, page: $p) {
    edges { node { side pid processName protocol method path status serverPort xRequestId
      syscallTraceIdRequest syscallTraceIdResponse reqTcpSeq respTcpSeq } }
  }
}`;

async function rowsContaining(session: GraphQLSession, marker: string): Promise<TracedRow[]> {
  const r = await session.request<{ requests: { edges: { node: TracedRow }[] } }>(QUERY, {
    t: { from: new Date(Date.now() - 600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    f: { pathContains: marker },
    p: { first: 500 },
  });
  if (r.errors || !r.data) throw new Error(`requests query failed: ${JSON.stringify(r.errors)}`);
  return r.data.requests.edges.map((e) => e.node);
}

describe.skipIf(skipEbpf)(
  'AutoTracing: client → A → B → Redis carries trace ids, TCP sequence numbers, request ids',
  () => {
    const marker = `bsat${randomBytes(4).toString('hex')}`;
    const session = new GraphQLSession(stack.apiUrl);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-autotracing-'));
    let a: ChildProcess;
    let b: ChildProcess;
    let redis: ChildProcess;
    let rows: TracedRow[] = [];
    const EXPECTED_ROWS = REQUESTS * 6; // per request: curl, A server, A client, B server, B client, redis-server

    beforeAll(async () => {
      if (!stack.agentCapturing) throw new Error(`the agent is not capturing: ${stack.agentProblems.join('; ')}`);
      await session.login(stack.demo.email, stack.demo.password);
      redis = await startRedis(dir, PORT_REDIS);
      b = await startService(dir, 'service-b', SERVICE_B, [PORT_B, PORT_REDIS]);
      a = await startService(dir, 'service-a', SERVICE_A, [PORT_A, PORT_B]);
      for (let i = 0; i < REQUESTS; i++) {
        const out = spawnSync(
          'curl',
          ['-sS', '-H', `x-request-id: ${marker}-${i}`, `http://127.0.0.1:${PORT_A}/a/${marker}/${i}`],
          { encoding: 'utf8', timeout: 10_000 },
        );
        expect(out.stdout).toBe('a:b:ok');
      }
      rows = await eventually(
        () => rowsContaining(session, marker),
        (r) => r.length >= EXPECTED_ROWS,
        40_000,
      );
      await new Promise((r) => setTimeout(r, 2000)); // nothing more may arrive
      rows = await rowsContaining(session, marker);
      if (process.env.KT_DEBUG) console.log(JSON.stringify(rows, null, 1));
    }, 90_000);

    afterAll(() => {
      a?.kill();
      b?.kill();
      redis?.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const hop = (i: number) => {
      const one = (what: string, pred: (r: TracedRow) => boolean): TracedRow => {
        const found = rows.filter(pred);
        expect(found, `${what} of request ${i}`).toHaveLength(1);
        return found[0] as TracedRow;
      };
      const aPath = `/a/${marker}/${i}`;
      const bPath = `/b/${marker}/${i}`;
      const redisPath = `GET ${marker}:${i}`;
      return {
        curl: one('curl row', (r) => r.side === 'client' && r.path === aPath && r.processName === 'curl'),
        aServer: one('A server row', (r) => r.side === 'server' && r.path === aPath && r.pid === a.pid),
        aClient: one('A client row', (r) => r.side === 'client' && r.path === bPath && r.pid === a.pid),
        bServer: one('B server row', (r) => r.side === 'server' && r.path === bPath && r.pid === b.pid),
        bClient: one('B client row', (r) => r.side === 'client' && r.path === redisPath && r.pid === b.pid),
        redis: one(
          'redis-server row',
          (r) => r.side === 'server' && r.path === redisPath && r.serverPort === PORT_REDIS,
        ),
      };
    };

    it(`stores exactly ${REQUESTS * 6} rows: six per request (two per hop)`, () => {
      expect(rows).toHaveLength(EXPECTED_ROWS);
      for (let i = 0; i < REQUESTS; i++) hop(i);
    });

    it('gives both ends of each hop the same TCP sequence numbers of request and response', () => {
      for (let i = 0; i < REQUESTS; i++) {
        const h = hop(i);
        for (const [client, server] of [
          [h.curl, h.aServer],
          [h.aClient, h.bServer],
          [h.bClient, h.redis],
        ] as const) {
          expect(client.reqTcpSeq, `${client.path} request seq`).toBeGreaterThan(0);
          expect(client.respTcpSeq, `${client.path} response seq`).toBeGreaterThan(0);
          expect([server.reqTcpSeq, server.respTcpSeq]).toEqual([client.reqTcpSeq, client.respTcpSeq]);
        }
      }
    });

    it("carries each service's inbound trace id on its outbound request (syscall_trace_id)", () => {
      const inbound = new Set<string>();
      for (let i = 0; i < REQUESTS; i++) {
        const h = hop(i);
        for (const [server, client] of [
          [h.aServer, h.aClient],
          [h.bServer, h.bClient],
        ] as const) {
          const id = server.syscallTraceIdRequest;
          expect(id, `${server.path} has a trace id`).not.toBe('0');
          // The answer goes out on the thread that still serves that request; the outbound request and its reply too.
          expect(server.syscallTraceIdResponse).toBe(id);
          expect([client.syscallTraceIdRequest, client.syscallTraceIdResponse]).toEqual([id, id]);
          inbound.add(id);
        }
        // A pure client (curl) sends before it ever received anything: no trace id.
        expect([h.curl.syscallTraceIdRequest, h.curl.syscallTraceIdResponse]).toEqual(['0', '0']);
        expect(h.aServer.syscallTraceIdRequest).not.toBe(h.bServer.syscallTraceIdRequest);
      }
      // Every inbound request started its own id.
      expect(inbound.size).toBe(REQUESTS * 2);
    });

    it('records the x-request-id the services propagate on every HTTP row of the chain', () => {
      for (let i = 0; i < REQUESTS; i++) {
        const h = hop(i);
        for (const r of [h.curl, h.aServer, h.aClient, h.bServer]) expect(r.xRequestId).toBe(`${marker}-${i}`);
        expect([h.bClient.xRequestId, h.redis.xRequestId]).toEqual(['', '']);
      }
    });
  },
);
