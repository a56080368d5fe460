import { describe, expect, it } from 'vitest';
import { percent, searchShare, toFlameTree } from './profile-tree';

const nodes = [
  { id: 0, parentId: -1, name: 'root', value: 100, selfValue: 0, other: false },
  { id: 1, parentId: 0, name: 'main', value: 100, selfValue: 20, other: false },
  { id: 2, parentId: 1, name: 'parse', value: 50, selfValue: 10, other: false },
  { id: 3, parentId: 2, name: 'parse', value: 40, selfValue: 40, other: false },
  { id: 4, parentId: 1, name: '[other]', value: 30, selfValue: 30, other: true },
];

describe('toFlameTree', () => {
  it('nests the flat pre-order list under the root', () => {
    const root = toFlameTree(nodes);
    expect(root?.name).toBe('root');
    expect(root?.children[0]?.children.map((c) => [c.name, c.value, c.other ?? false])).toEqual([
      ['parse', 50, false],
      ['[other]', 30, true],
    ]);
    expect(toFlameTree([])).toBeNull();
  });
});

describe('searchShare', () => {
  it('counts matches and their share once, even under recursion, ignoring case', () => {
    const root = toFlameTree(nodes);
    expect(searchShare(root, 'PARSE')).toEqual({ matches: 2, value: 50 });
    expect(searchShare(root, '  ')).toEqual({ matches: 0, value: 0 });
    expect(searchShare(root, '(')).toEqual({ matches: 0, value: 0 });
    expect(percent(50, 100)).toBe('50.0%');
    expect(percent(1, 0)).toBe('0.0%');
  });
});
