import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FoldedNode, foldStacks, functionTotals, OTHER_NAME, type WeightedStack } from './stack-folding.js';

const frame = fc.constantFrom('main', 'a', 'b', 'c', 'd', 'e', 'f', 'g');
const stacks = (series: number) =>
  fc.array(
    fc.record({
      frames: fc.array(frame, { minLength: 1, maxLength: 8 }),
      values: fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: series, maxLength: series }),
    }),
    { maxLength: 60 },
  );

/** Every node's values = self + children's, per series; parents precede children. */
function checkSums(nodes: FoldedNode[], series: number): void {
  const childSums = new Map<number, number[]>();
  for (const n of nodes) {
    if (n.parentId < 0) continue;
    expect(n.parentId).toBeLessThan(n.id);
    const sum = childSums.get(n.parentId) ?? new Array(series).fill(0);
    n.values.forEach((v, k) => {
      sum[k] += v;
    });
    childSums.set(n.parentId, sum);
  }
  for (const n of nodes) {
    const children = childSums.get(n.id) ?? new Array(series).fill(0);
    for (let k = 0; k < series; k++) expect(n.values[k]).toBe((n.selfValues[k] as number) + (children[k] as number));
  }
}

describe('foldStacks', () => {
  it('keeps the root equal to the total and every node equal to self + children, for any input and budget', () => {
    fc.assert(
      fc.property(
        stacks(2),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(0, 0.001, 0.05, 0.3),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 2, maxLength: 2 }),
        (input, maxNodes, minShare, unlisted) => {
          const nodes = foldStacks(input, 2, { maxNodes, minShare }, unlisted);
          const root = nodes[0] as FoldedNode;
          for (let k = 0; k < 2; k++) {
            const total = input.reduce((s, st) => s + (st.values[k] as number), 0) + (unlisted[k] as number);
            expect(root.values[k]).toBe(total);
          }
          checkSums(nodes, 2);
          // Bounded: ≤ maxNodes real nodes, ≤ one "other" per real node.
          const real = nodes.filter((n) => !n.other);
          expect(real.length).toBeLessThanOrEqual(Math.max(1, maxNodes));
          expect(nodes.length).toBeLessThanOrEqual(2 * Math.max(1, maxNodes));
          const others = nodes.filter((n) => n.other);
          expect(new Set(others.map((n) => n.parentId)).size).toBe(others.length);
          for (const o of others) expect(o.name).toBe(OTHER_NAME);
        },
      ),
    );
  });

  it('folds known stacks exactly (leaf-first frames, root-first tree)', () => {
    const input: WeightedStack[] = [
      { frames: ['leaf1', 'mid', 'main'], values: [5] },
      { frames: ['leaf2', 'mid', 'main'], values: [3] },
      { frames: ['main'], values: [2] },
      { frames: ['other', 'main2'], values: [1] },
    ];
    const nodes = foldStacks(input, 1, { maxNodes: 100, minShare: 0 });
    const byPath = new Map<string, FoldedNode>();
    const pathOf = (n: FoldedNode): string =>
      n.parentId < 0 ? n.name : `${pathOf(nodes[n.parentId] as FoldedNode)}/${n.name}`;
    for (const n of nodes) byPath.set(pathOf(n), n);
    expect(byPath.get('root')?.values).toEqual([11]);
    expect(byPath.get('root/main')).toMatchObject({ values: [10], selfValues: [2] });
    expect(byPath.get('root/main/mid')).toMatchObject({ values: [8], selfValues: [0] });
    expect(byPath.get('root/main/mid/leaf1')).toMatchObject({ values: [5], selfValues: [5] });
    expect(byPath.get('root/main2/other')).toMatchObject({ values: [1], selfValues: [1] });
    expect(nodes.some((n) => n.other)).toBe(false);
  });

  it('merges what is past the budget or below the share into one "other" per parent', () => {
    const input: WeightedStack[] = [
      { frames: ['big', 'main'], values: [900] },
      { frames: ['small1', 'main'], values: [40] },
      { frames: ['small2', 'main'], values: [30] },
      { frames: ['tiny', 'main'], values: [1] },
    ];
    const bySize = foldStacks(input, 1, { maxNodes: 3, minShare: 0 });
    expect(bySize.map((n) => [n.name, n.values[0], n.other])).toEqual([
      ['root', 971, false],
      ['main', 971, false],
      ['big', 900, false],
      [OTHER_NAME, 71, true],
    ]);
    const byShare = foldStacks(input, 1, { maxNodes: 100, minShare: 0.01 });
    expect(byShare.find((n) => n.other)?.values).toEqual([1]);
    expect(byShare.filter((n) => !n.other).map((n) => n.name)).toEqual(['root', 'main', 'big', 'small1', 'small2']);
  });
});

describe('functionTotals', () => {
  it('counts self at the leaf and inclusive once per stack, even under recursion', () => {
    const totals = functionTotals(
      [
        { frames: ['f', 'f', 'main'], values: [4] },
        { frames: ['g', 'f', 'main'], values: [6] },
      ],
      1,
      10,
    );
    expect(totals).toEqual([
      { name: 'g', selfValues: [6], totalValues: [6] },
      { name: 'f', selfValues: [4], totalValues: [10] },
      { name: 'main', selfValues: [0], totalValues: [10] },
    ]);
  });
});
