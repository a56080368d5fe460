// Trace assembly (AutoTracing): the API's own search and tree builder (apps/api/dist/modules/traces) against
// embedded ClickHouse holding background request-log rows over one hour plus generated 50-span traces whose hops
// are linked by TCP sequence pairs, syscall trace ids, x-request-ids and (some) trace ids. One run = assembling one
// trace from one of its rows, end to end (all search rounds + tree); p50/p95 over the runs.
//   node bench/trace-assembly.bench.mjs [backgroundRows=3000000] [runs=30]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { openClickHouse, migrateClickHouse } = require('../packages/clickhouse/dist/index.js');
const { TraceSearch, DEFAULT_TRACE_LIMITS, encodeRequestLogId } = await import(
  '../apps/api/dist/modules/traces/trace-search.js'
);
const { buildTraceTree } = await import('../apps/api/dist/modules/traces/trace-tree.js');

const backgroundRows = Number(process.argv[2] ?? 3_000_000);
const runs = Number(process.argv[3] ?? 30);
if (!Number.isSafeInteger(backgroundRows) || backgroundRows < 10_000) throw new Error('rows must be >= 10000');
const TENANT = 7;
const SPANS_PER_TRACE = 50;

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(7);
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');

const dir = mkdtempSync(path.join(os.tmpdir(), 'bs-trace-bench-'));
const ch = await openClickHouse({ stateDir: dir, clickhouseDatabase: 'trace_bench' });
const db = ch.database;
const exec = (query) => ch.client.command({ query });
const hourStartUs = (Date.now() - 2 * 3600_000) * 1000;

try {
  await migrateClickHouse(ch);
  // Background: rows of every shape over one hour, most carrying ids of their own (random syscall ids and TCP
  // pairs, a third with an x-request-id), so the bloom filters and the time window do the work, not emptiness.
  let t0 = performance.now();
  await exec(`
    INSERT INTO ${db}.l7_flow_log
      (tenant_id, agent_id, time, end_time, response_duration, tap_side, l7_protocol, version, pid, tid, process_name,
       client_ip, client_port, server_ip, server_port, request_type, request_domain, request_resource, response_code,
       response_status, x_request_id, traceparent, syscall_trace_id_request, syscall_trace_id_response,
       req_tcp_seq, resp_tcp_seq, namespace, service)
    SELECT
      ${TENANT}, 1 + number % 40,
      fromUnixTimestamp64Micro(toInt64(${hourStartUs} + intDiv(number * 3600000000, ${backgroundRows}))) AS t,
      t + toIntervalMicrosecond(500 + number % 20000), 500 + number % 20000,
      if(number % 2 = 0, 'client', 'server'), 'http1', '1.1', 1000 + number % 500, 1000 + number % 500,
      ['node', 'java', 'envoy', 'nginx'][1 + number % 4],
      toIPv6('::ffff:10.0.0.1'), 30000 + number % 30000, toIPv6('::ffff:10.0.0.2'), 8080,
      'GET', 'svc', concat('/bg/', toString(number % 5000)), 200, 'ok',
      if(number % 3 = 0, hex(cityHash64(number, 'x')), ''),
      if(number % 10 = 0, concat('00-', lower(hex(cityHash64(number, 'a'))), lower(hex(cityHash64(number, 'b'))),
        '-', lower(hex(cityHash64(number, 'c'))), '-01'), ''),
      cityHash64(number, 's') % 1000000000000, cityHash64(number, 's') % 1000000000000,
      toUInt32(cityHash64(number, 'q') % 4294967295), toUInt32(cityHash64(number, 'r') % 4294967295),
      'shop', 'api'
    FROM numbers(${backgroundRows})`);
  const loadMs = performance.now() - t0;

  // Traces: each hop is a client row and a server row with the same TCP pair; a server's outbound client rows
  // share its syscall trace id; every fifth hop has no TCP pair (e.g. a proxy re-originates the connection) and is
  // linked by an x-request-id only; the first five hops carry a traceparent.
  const traces = [];
  const rows = [];
  for (let t = 0; t < runs; t++) {
    const startUs = hourStartUs + Math.floor((t + 0.5) * (3600e6 / runs));
    const xRequestId = `req-${hex(12)}`;
    const traceId = hex(32);
    const spans = [];
    let seq = 1 + Math.floor(rand() * 1e9);
    let syscall = 1e12 + Math.floor(rand() * 1e12);
    // Hop h: client of parent server p (or the external caller for h = 0).
    const servers = [];
    for (let h = 0; h < SPANS_PER_TRACE / 2; h++) {
      const parent = h === 0 ? null : servers[Math.floor(rand() * servers.length)];
      const depthStart = parent ? parent.startUs + 50 + Math.floor(rand() * 200) : startUs;
      const length = parent ? Math.max(200, Math.floor((parent.endUs - depthStart) * 0.5)) : 200_000;
      const pid = 5000 + h;
      const agent = 1 + (h % 40);
      const bySeq = h % 5 !== 4;
      const pair = bySeq ? [seq++, seq++] : [0, 0];
      const clientSyscall = parent ? parent.syscall : 0;
      const serverSyscall = syscall++;
      const common = {
        tenant_id: TENANT,
        l7_protocol: 'http1',
        version: '1.1',
        request_type: 'GET',
        request_domain: 'svc',
        request_resource: `/t${t}/hop/${h}`,
        response_code: 200,
        response_status: 'ok',
        // Only hops without a TCP pair carry an x-request-id of their own (a proxy that adds one), so the search
        // has to follow TCP pairs and syscall ids hop by hop.
        x_request_id: bySeq ? '' : `${xRequestId}-${h}`,
        traceparent: h < 5 ? `00-${traceId}-${hex(16)}-01` : '',
        req_tcp_seq: pair[0],
        resp_tcp_seq: pair[1],
        namespace: 'shop',
        service: `svc-${h % 7}`,
        client_ip: '::ffff:10.1.0.1',
        server_ip: '::ffff:10.1.0.2',
        server_port: 8080,
      };
      // DateTime64(6) as text: a float of seconds would lose the microseconds.
      const us = (n) => {
        const whole = Math.round(n);
        return `${new Date(Math.floor(whole / 1000)).toISOString().slice(0, 19).replace('T', ' ')}.${String(whole % 1e6).padStart(6, '0')}`;
      };
      rows.push({
        ...common,
        agent_id: parent ? parent.agent : 99,
        time: us(depthStart),
        end_time: us(depthStart + length),
        response_duration: length,
        tap_side: 'client',
        pid: parent ? parent.pid : 4000,
        tid: parent ? parent.pid : 4000,
        process_name: parent ? 'node' : 'curl',
        client_port: 40000 + h,
        syscall_trace_id_request: clientSyscall,
        syscall_trace_id_response: clientSyscall,
      });
      const server = {
        startUs: depthStart + 20,
        endUs: depthStart + length - 20,
        syscall: serverSyscall,
        pid,
        agent,
      };
      rows.push({
        ...common,
        agent_id: agent,
        time: us(server.startUs),
        end_time: us(server.endUs),
        response_duration: length - 40,
        tap_side: 'server',
        pid,
        tid: pid,
        process_name: 'node',
        client_port: 40000 + h,
        syscall_trace_id_request: serverSyscall,
        syscall_trace_id_response: serverSyscall,
      });
      servers.push(server);
      spans.push(`/t${t}/hop/${h}`);
    }
    traces.push({ t, xRequestId, hops: spans.length });
  }
  await ch.client.insert({
    table: `${db}.l7_flow_log`,
    values: rows,
    format: 'JSONEachRow',
  });
  t0 = performance.now();
  await exec(`OPTIMIZE TABLE ${db}.l7_flow_log FINAL`);
  const optimizeMs = performance.now() - t0;

  const scope = async () => 'all';
  // Time every query the search sends, to report how the assembly time splits into queries.
  const query = ch.client.query.bind(ch.client);
  let queryMs = 0;
  let queryCount = 0;
  ch.client.query = async (...args) => {
    const t = performance.now();
    try {
      const rs = await query(...args);
      return rs;
    } finally {
      queryMs += performance.now() - t;
      queryCount += 1;
    }
  };
  const times = [];
  const rounds = [];
  const queryStats = [];
  for (const trace of traces) {
    // Start from a row in the middle of the trace: the search has to go both up and down.
    const hop = Math.floor(rand() * trace.hops);
    const rs = await ch.client.query({
      // The request log's row id: its hash reads the addresses through the same text aliases as RequestsService.
      query: `SELECT toString(toUnixTimestamp64Micro(time)) AS t,
          toString(client_ip) AS client_ip, toString(server_ip) AS server_ip,
          toString(cityHash64(agent_id, tap_side, pid, tid, client_ip, client_port, server_ip, server_port, end_time,
            request_resource)) AS h
        FROM ${db}.l7_flow_log
        WHERE tenant_id = {tenant:UInt32} AND request_resource = {path:String} AND tap_side = 'server'`,
      query_params: { tenant: TENANT, path: `/t${trace.t}/hop/${hop}` },
      format: 'JSONEachRow',
    });
    const [seedRow] = await rs.json();
    const seed = { kind: 'requestLog', timeUs: seedRow.t, rowHash: seedRow.h };
    if (!encodeRequestLogId(seed.timeUs, seed.rowHash)) throw new Error('no seed');
    queryMs = 0;
    queryCount = 0;
    const started = performance.now();
    const found = await new TraceSearch(ch, TENANT, scope, DEFAULT_TRACE_LIMITS).run(seed);
    const tree = buildTraceTree(found.spans);
    times.push(performance.now() - started);
    queryStats.push({ ms: queryMs, count: queryCount });
    rounds.push(found.iterations);
    if (tree.nodes.length !== SPANS_PER_TRACE || found.truncated !== null) {
      throw new Error(`trace ${trace.t}: ${tree.nodes.length} spans (truncated: ${found.truncated})`);
    }
    const roots = tree.nodes.filter((n) => n.parentId === null).length;
    if (roots !== 1) throw new Error(`trace ${trace.t}: ${roots} roots`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  console.log(
    JSON.stringify({
      bench: 'trace-assembly',
      backgroundRows,
      traceRows: rows.length,
      spansPerTrace: SPANS_PER_TRACE,
      runs: times.length,
      loadMs: Math.round(loadMs),
      optimizeMs: Math.round(optimizeMs),
      searchRounds: { min: Math.min(...rounds), max: Math.max(...rounds) },
      queriesPerTrace: Number((queryStats.reduce((n, q) => n + q.count, 0) / queryStats.length).toFixed(1)),
      msPerQuery: Number(
        (queryStats.reduce((n, q) => n + q.ms, 0) / queryStats.reduce((n, q) => n + q.count, 0)).toFixed(1),
      ),
      p50Ms: Number(pct(50).toFixed(1)),
      p95Ms: Number(pct(95).toFixed(1)),
      maxMs: Number(sorted.at(-1).toFixed(1)),
      targetMs: 500,
      pass: pct(95) < 500,
    }),
  );
} finally {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
}
