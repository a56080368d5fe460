import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { L7Shipper } from '@bathyscope/agent/dist/shipper/l7-shipper';
import type { L7Request } from '@bathyscope/wire';
import { describe, expect, inject, it } from 'vitest';
import '../kit/stack-info';
import { createTenantWithAgent } from '../kit/fixtures';
import { allRequests, GraphQLSession } from '../kit/graphql-client';
import { wireRow } from '../kit/l7-rows';

const stack = inject('stack');

function row(path: string, clientIp = '192.0.2.1'): L7Request {
  return wireRow(path, { clientIp });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A TCP relay to the real gateway, started late to simulate a gateway outage. */
function relay(port: number, to: URL): net.Server {
  return net
    .createServer((c) => {
      const up = net.connect(Number(to.port), to.hostname);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    })
    .listen(port, '127.0.0.1');
}

describe('agent shipper against the real gateway', () => {
  it('retries while the gateway is down and delivers every row exactly once when it is back', async () => {
    const t = await createTenantWithAgent('shipper');
    const port = await freePort();
    const shipper = new L7Shipper({
      ingestUrl: `http://127.0.0.1:${port}`,
      token: t.agent.token,
      flushIntervalMs: 100,
    });
    const run = randomBytes(4).toString('hex');
    for (let i = 0; i < 30; i++) shipper.enqueue(row(`/outage-${run}/${i}`));
    await new Promise((r) => setTimeout(r, 1500));
    expect(shipper.stats.retries).toBeGreaterThan(0);
    expect(shipper.stats.rowsShipped).toBe(0);

    const server = relay(port, new URL(stack.ingestUrl));
    try {
      await shipper.flush();
      expect(shipper.stats).toMatchObject({ rowsShipped: 30, rowsDropped: 0 });
      const session = new GraphQLSession(stack.apiUrl);
      await session.login(t.email, t.password);
      const rows = await allRequests(session, { pathContains: `/outage-${run}/` });
      expect(rows).toHaveLength(30);
      expect(new Set(rows.map((r) => r.path)).size).toBe(30);
    } finally {
      await shipper.close();
      server.close();
    }
  });

  it('drops and counts a batch the gateway refuses as invalid, and keeps shipping', async () => {
    const t = await createTenantWithAgent('shipper-bad');
    const shipper = new L7Shipper({ ingestUrl: stack.ingestUrl, token: t.agent.token, maxBatchRows: 1 });
    shipper.enqueue(row('/bad', 'not-an-ip'));
    shipper.enqueue(row('/good'));
    await shipper.flush();
    expect(shipper.stats).toMatchObject({ batchesRejected: 1, rowsDropped: 1, rowsShipped: 1 });
    expect(shipper.stats.lastError).toBeNull();
    await shipper.close();
  });
});
