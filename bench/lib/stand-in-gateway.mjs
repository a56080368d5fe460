// Stand-in ingest gateway for bench/agent-overhead.bench.mjs, run as its own process so its CPU is measured apart
// from the agent's. It speaks the real wire: it answers check-ins with a benchmark configuration, gunzips and decodes
// every POST /v1/l7 body with @bathyscope/wire's codec (the ingest server's decoder) and counts the rows that belong
// to the workload under test. Nothing is stored: the count is what the benchmark needs, and a real ingest stack
// (chDB in-process) would add a third CPU-hungry process to a 2-core machine.
//   node bench/lib/stand-in-gateway.mjs <port> [l7Rate=1]   (sampling.l7Rate of the configuration it hands out)
//   GET  /__bench/counts                 counts since the last reset (JSON)
//   POST /__bench/reset {"watchPorts":[…]} zero the counts and choose the server ports to count
import * as http from 'node:http';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..', '..');
const wire = await import(path.join(root, 'packages', 'wire', 'dist', 'index.js'));
const { DEFAULT_AGENT_CONFIG, decodeL7RequestBatch, TapSide } = wire.default ?? wire;
const port = Number(process.argv[2]);
const l7Rate = Number(process.argv[3] ?? 1);

// Capture only, as the overhead targets are stated: profiling and host metrics off, budgets wide open so
// the self-monitor measures rather than pauses (its default 100 % of a core would pause capture at full load).
const config = {
  ...DEFAULT_AGENT_CONFIG,
  checkinIntervalSeconds: 5,
  sampling: { l7Rate },
  limits: { cpuPercent: 800, memoryMb: 4096 },
  spool: { maxPendingRows: 5_000_000 },
  profiling: { enabled: false, frequencyHz: 99, intervalSeconds: 10 },
  hostMetrics: { enabled: false, intervalSeconds: 10 },
};
const ETAG = '"bench-1"';

let watch = new Set();
// Server-side rows per client port (ports are < 65536), client-side rows per process name with their client ports:
// together they attribute a shared server's rows (PostgreSQL on 5432) to the benchmark's own connections.
let serverByClientPort = new Uint32Array(65536);
let clientByName = new Map();
let counts;
function reset(ports) {
  watch = new Set(ports);
  serverByClientPort = new Uint32Array(65536);
  clientByName = new Map();
  counts = { batches: 0, rows: 0, watchedServerRows: 0, watchedClientRows: 0, decodeErrors: 0 };
}
reset([]);

function countBatch(body) {
  let batch;
  try {
    batch = decodeL7RequestBatch(gunzipSync(body));
  } catch {
    counts.decodeErrors++;
    return;
  }
  counts.batches++;
  counts.rows += batch.rows.length;
  for (const row of batch.rows) {
    if (!watch.has(row.serverPort)) continue;
    if (row.tapSide === TapSide.Server) {
      counts.watchedServerRows++;
      serverByClientPort[row.clientPort]++;
    } else if (row.tapSide === TapSide.Client) {
      counts.watchedClientRows++;
      let c = clientByName.get(row.processName);
      if (!c) {
        c = { rows: 0, ports: new Set() };
        clientByName.set(row.processName, c);
      }
      c.rows++;
      c.ports.add(row.clientPort);
    }
  }
}

function snapshot() {
  const clients = {};
  for (const [name, c] of clientByName) {
    let serverRows = 0;
    for (const p of c.ports) serverRows += serverByClientPort[p];
    clients[name] = { clientRows: c.rows, serverRowsOfTheseConnections: serverRows, connections: c.ports.size };
  }
  return { ...counts, clients };
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.url === '/v1/l7') {
      countBatch(body);
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }
    if (req.url === '/v1/agent/checkin') {
      if (req.headers['if-none-match'] === ETAG) return res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/json', etag: ETAG });
      return res.end(JSON.stringify({ configVersion: 1, config, ingestUrl: `http://127.0.0.1:${port}`, etag: ETAG }));
    }
    if (req.url === '/__bench/counts') return res.writeHead(200).end(JSON.stringify(snapshot()));
    if (req.url === '/__bench/reset') {
      reset(JSON.parse(body.toString() || '{}').watchPorts ?? []);
      return res.writeHead(200).end('{}');
    }
    // Host metrics, profiles, signals: accepted and ignored (they are off in this configuration).
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
