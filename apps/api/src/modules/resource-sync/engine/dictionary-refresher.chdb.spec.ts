import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ClickHouseHandle, migrateClickHouse, openClickHouse } from '@bathyscope/clickhouse';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DictionaryRefresher } from './dictionary-refresher.js';
import { RESOURCE_INVALIDATION_CHANNEL } from './invalidation.js';

// The refresher on embedded ClickHouse and the real Redis channel: a renamed resource reads right after one
// announcement, and a burst of announcements costs a bounded number of reloads. The refresher follows a channel of
// this test's own: pub/sub is server-wide, and other suites running at the same time announce on the product's
// channels, which would add reloads this test does not ask for.
let ch: ClickHouseHandle;
let dir: string;
let publisher: Redis;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const tenant = 4_000_000_000 + Math.floor(Math.random() * 100_000_000);
const channel = `${RESOURCE_INVALIDATION_CHANNEL}:test-${tenant}`;

const nameOf = async (id: number): Promise<string> => {
  const rs = await ch.client.query({
    query: `SELECT dictGetOrDefault('dr.resource_names', 'name', (toUInt32({t:UInt32}), 'pod', toUInt32({id:UInt32})), '') AS name`,
    query_params: { t: tenant, id },
    format: 'JSONEachRow',
  });
  return ((await rs.json()) as { name: string }[])[0]?.name ?? '';
};

const rename = (id: number, name: string) =>
  ch.client.insert({
    table: 'dr.resources',
    values: [{ tenant_id: tenant, kind: 'pod', resource_id: id, name, updated_at: Date.now() }],
    format: 'JSONEachRow',
  });

const waitFor = async (check: () => Promise<boolean>, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ch-dict-refresh-'));
  ch = await openClickHouse({ clickhouseUrl: '', clickhouseDatabase: 'dr', stateDir: dir });
  await migrateClickHouse(ch);
  publisher = new Redis(redisUrl);
}, 120_000);

afterAll(async () => {
  publisher?.disconnect();
  await ch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('DictionaryRefresher', () => {
  it('reloads on an announcement from any process, debounced and bounded', async () => {
    const refresher = new DictionaryRefresher(ch, { minIntervalMs: 1_500, coalesceMs: 100, channels: [channel] });
    refresher.follow(new Redis(redisUrl));
    try {
      await rename(1, 'before');
      await ch.client.command({ query: 'SYSTEM RELOAD DICTIONARY dr.resource_names' });
      expect(await nameOf(1)).toBe('before');

      // Without an announcement the dictionary keeps the old name (its own lifetime is 30–60 s).
      await rename(1, 'after');
      await new Promise((r) => setTimeout(r, 300));
      expect(await nameOf(1)).toBe('before');

      // A burst of 30 announcements: the new name shows, after a single reload.
      await waitFor(async () => (await publisher.publish(channel, String(tenant))) > 0, 5_000);
      for (let i = 0; i < 29; i++) await publisher.publish(channel, String(tenant));
      expect(await waitFor(async () => (await nameOf(1)) === 'after', 5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(refresher.count).toBe(1);

      // Announcements inside the minimum interval wait for it: at most one more reload, not one per message.
      await rename(1, 'again');
      const asked = Date.now();
      for (let i = 0; i < 10; i++) await publisher.publish(channel, String(tenant));
      // The new name can be read before the refresher's reload call has returned and been counted: wait for both.
      expect(await waitFor(async () => (await nameOf(1)) === 'again' && refresher.count >= 2, 5_000)).toBe(true);
      const shownAfterMs = Date.now() - asked;
      await new Promise((r) => setTimeout(r, 300));
      expect(refresher.count).toBe(2);
      expect(shownAfterMs).toBeLessThan(3_000);
    } finally {
      await refresher.close();
    }
  }, 60_000);
});
