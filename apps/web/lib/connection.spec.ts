import { describe, expect, it } from 'vitest';
import { type Connection, type ConnectionArgs, fetchAllNodes, upsertItem } from './connection';

/** A connection over `total` numbered items, as the API pages it. */
function pagedSource(total: number) {
  const calls: ConnectionArgs[] = [];
  const fetchPage = async (page: ConnectionArgs): Promise<Connection<{ id: string }>> => {
    calls.push(page);
    const start = page.after === undefined ? 0 : Number(page.after);
    const ids = Array.from({ length: Math.max(0, Math.min(page.first, total - start)) }, (_, i) => start + i);
    const end = start + ids.length;
    return {
      edges: ids.map((id) => ({ cursor: String(id + 1), node: { id: String(id) } })),
      pageInfo: { hasNextPage: end < total, endCursor: ids.length > 0 ? String(end) : null },
    };
  };
  return { calls, fetchPage };
}

describe('fetchAllNodes', () => {
  it('reads page after page of the largest size until the end', async () => {
    const source = pagedSource(450);
    const nodes = await fetchAllNodes(source.fetchPage);
    expect(nodes).toHaveLength(450);
    expect(nodes.at(-1)).toEqual({ id: '449' });
    expect(source.calls).toEqual([{ first: 200 }, { first: 200, after: '200' }, { first: 200, after: '400' }]);
  });

  it('stops at the limit', async () => {
    const source = pagedSource(5_000);
    const nodes = await fetchAllNodes(source.fetchPage, 250);
    expect(nodes).toHaveLength(250);
    expect(source.calls).toEqual([{ first: 200 }, { first: 50, after: '200' }]);
  });

  it('returns nothing for an empty list, after one call', async () => {
    const source = pagedSource(0);
    expect(await fetchAllNodes(source.fetchPage)).toEqual([]);
    expect(source.calls).toHaveLength(1);
  });
});

describe('upsertItem', () => {
  it('replaces an item in place, or puts a new one first', () => {
    const items = [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
    ];
    expect(upsertItem(items, { id: 'b', v: 2 })).toEqual([
      { id: 'a', v: 1 },
      { id: 'b', v: 2 },
    ]);
    expect(upsertItem(items, { id: 'c', v: 1 }).map((item) => item.id)).toEqual(['c', 'a', 'b']);
  });
});
