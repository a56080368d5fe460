import { bench, describe } from 'vitest';
import { foldStacks, functionTotals, type WeightedStack } from './stack-folding.js';

/**
 * The worst case the API folds: MAX_STACKS (50,000) distinct stacks, 24 frames deep, from 2,000 function names —
 * shared roots, then almost every path unique (about a million trie nodes before the 2,000-node cut).
 */
function stacks(series: number): WeightedStack[] {
  let seed = 1;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const names = Array.from({ length: 2000 }, (_, i) => `module!fn_${i}`);
  return Array.from({ length: 50_000 }, () => ({
    frames: Array.from({ length: 24 }, (_, d) => names[Math.floor(rand() ** (d < 6 ? 8 : 1) * names.length)] as string),
    values: Array.from({ length: series }, () => 1 + Math.floor(rand() * 100)),
  }));
}

describe('profile folding, 50,000 stacks × 24 frames', () => {
  const one = stacks(1);
  const two = stacks(2);
  bench('profile: fold to 2,000 nodes + top functions', () => {
    foldStacks(one, 1, { maxNodes: 2000, minShare: 0.0001 });
    functionTotals(one, 1, 50);
  });
  bench('diff: fold both series to 2,000 nodes + top functions', () => {
    foldStacks(two, 2, { maxNodes: 2000, minShare: 0.0001 });
    functionTotals(two, 2, 50);
  });
});
