import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHandle, openClickHouse } from './client.js';
import { migrateClickHouse } from './migrate.js';

// Per-tenant retention on embedded ClickHouse: the TTL reads each row's retention_days.
let ch: ClickHouseHandle;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-retention-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'retention_spec', stateDir: dir });
  await migrateClickHouse(ch);
}, 60_000);

afterAll(async () => {
  await ch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('l7_flow_log retention', () => {
  it('expires each tenant’s rows after that tenant’s retention', async () => {
    const day = 86_400;
    const now = Math.floor(Date.now() / 1000);
    const row = (tenant: number, retention: number, ageDays: number) => ({
      tenant_id: tenant,
      agent_id: 1,
      retention_days: retention,
      time: `${now - ageDays * day}.000000`,
      end_time: `${now - ageDays * day}.001000`,
      client_ip: '::ffff:10.0.0.1',
      server_ip: '::ffff:10.0.0.2',
    });
    await ch.client.insert({
      table: 'retention_spec.l7_flow_log',
      values: [row(1, 3, 5), row(1, 3, 1), row(2, 30, 5), row(2, 30, 29)],
      format: 'JSONEachRow',
    });
    await ch.client.command({ query: 'OPTIMIZE TABLE retention_spec.l7_flow_log FINAL' });
    const rs = await ch.client.query({
      query: 'SELECT tenant_id, count() AS n FROM retention_spec.l7_flow_log GROUP BY tenant_id ORDER BY tenant_id',
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([
      { tenant_id: 1, n: 1 },
      { tenant_id: 2, n: 2 },
    ]);
  }, 60_000);
});
