#!/usr/bin/env node
// Exports the last hour of server-side 5xx requests as CSV, paging with cursors.
//   BATHYSCOPE_API_KEY=bsk_… node docs/examples/export-requests.mjs [http://127.0.0.1:4000] > errors.csv
const api = process.argv[2] ?? 'http://127.0.0.1:4000';
const key = process.env.BATHYSCOPE_API_KEY;
if (!key) {
  console.error('set BATHYSCOPE_API_KEY (create one in the console under Settings → API keys)');
  process.exit(2);
}

const query = `query Export($t: TimeRangeInput!, $f: RequestFilterInput, $p: PageInput) {
  requests(timeRange: $t, filter: $f, page: $p) {
    edges { node { time side processName method path status latencyUs clientIp serverIp serverPort } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const timeRange = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date().toISOString() };
let after;
console.log('time,side,process,method,path,status,latency_us,client,server');
for (;;) {
  const res = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables: { t: timeRange, p: { first: 500, after } } }),
  });
  if (res.headers.get('retry-after')) {
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
    continue;
  }
  const { data, errors } = await res.json();
  if (errors) {
    console.error(`${errors[0].extensions?.code}: ${errors[0].message}`);
    process.exit(1);
  }
  for (const { node: n } of data.requests.edges) {
    if (n.status < 500) continue;
    console.log(
      [
        n.time,
        n.side,
        n.processName,
        n.method,
        JSON.stringify(n.path),
        n.status,
        n.latencyUs,
        n.clientIp,
        `${n.serverIp}:${n.serverPort}`,
      ].join(','),
    );
  }
  if (!data.requests.pageInfo.hasNextPage) break;
  after = data.requests.pageInfo.endCursor;
}
