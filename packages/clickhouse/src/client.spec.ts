import { describe, expect, it } from 'vitest';
import { openClickHouse } from './client.js';

describe('openClickHouse', () => {
  it('refuses a cluster without a server: embedded ClickHouse is one node', async () => {
    await expect(
      openClickHouse({
        clickhouseUrl: undefined,
        clickhouseDatabase: 'bathyscope',
        stateDir: '/nonexistent',
        clickhouseCluster: '{cluster}',
      }),
    ).rejects.toThrow(/CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL/);
  });

  it('refuses database and cluster names that are not plain names', async () => {
    const open = (clickhouseDatabase: string, clickhouseCluster?: string) =>
      openClickHouse({
        clickhouseUrl: 'http://127.0.0.1:1',
        clickhouseDatabase,
        stateDir: '/nonexistent',
        clickhouseCluster,
      });
    await expect(open('bs; DROP DATABASE x')).rejects.toThrow(/identifier/);
    await expect(open('bs', "c' SETTINGS x=1 --")).rejects.toThrow(/cluster/);
  });
});
