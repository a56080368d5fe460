/**
 * Folds aggregated stacks (frames leaf-first, as stored in profile_stacks) into a flame graph tree on the API.
 * ClickHouse has already summed values by stack; what is left is proportional to the number of distinct stacks,
 * and the answer is bounded: at most `maxNodes` real nodes are kept (largest first), and what is cut is merged
 * into one "other" node per parent, so every node's value still equals its self value plus its children's.
 */

/** One aggregated stack: `values[k]` is the value of series k (one series for a profile, two for a diff). */
export interface WeightedStack {
  /** Leaf first. */
  frames: readonly string[];
  values: readonly number[];
}

/** A node of the folded tree, flattened in pre-order: parents come before their children. */
export interface FoldedNode {
  id: number;
  /** -1 for the root. */
  parentId: number;
  name: string;
  depth: number;
  /** Inclusive value per series. */
  values: number[];
  /** Value of samples whose leaf is this node, per series. */
  selfValues: number[];
  /** Stands for several cut subtrees (too small or past the node budget). */
  other: boolean;
}

export interface FoldOptions {
  maxNodes: number;
  /** Subtrees whose largest series share of the root is below this are merged into "other". */
  minShare: number;
}

export interface FunctionTotals {
  name: string;
  /** Value of samples with this function at the leaf, per series. */
  selfValues: number[];
  /** Value of samples with this function anywhere on the stack (once per stack), per series. */
  totalValues: number[];
}

export const ROOT_NAME = 'root';
export const OTHER_NAME = '[other]';

interface TrieNode {
  name: string;
  values: number[];
  selfValues: number[];
  children: Map<string, TrieNode>;
}

function trieNode(name: string, series: number): TrieNode {
  return { name, values: new Array(series).fill(0), selfValues: new Array(series).fill(0), children: new Map() };
}

function addInto(target: number[], values: readonly number[]): void {
  for (let k = 0; k < target.length; k++) target[k] = (target[k] as number) + (values[k] ?? 0);
}

/** Builds the full trie of the listed stacks. */
function buildTrie(stacks: readonly WeightedStack[], series: number): TrieNode {
  const root = trieNode(ROOT_NAME, series);
  for (const stack of stacks) {
    addInto(root.values, stack.values);
    let node = root;
    for (let i = stack.frames.length - 1; i >= 0; i--) {
      const name = stack.frames[i] as string;
      let child = node.children.get(name);
      if (!child) {
        child = trieNode(name, series);
        node.children.set(name, child);
      }
      addInto(child.values, stack.values);
      node = child;
    }
    addInto(node.selfValues, stack.values);
  }
  return root;
}

/** Largest of a node's series, each as a share of the root's (so a diff keeps what matters on either side). */
function weight(values: readonly number[], rootValues: readonly number[]): number {
  let w = 0;
  for (let k = 0; k < values.length; k++) {
    const total = rootValues[k] as number;
    if (total > 0) w = Math.max(w, (values[k] as number) / total);
  }
  return w;
}

/** A binary max-heap on weight: the kept set grows from the root by largest subtree first. */
class MaxHeap<T> {
  private readonly items: { w: number; v: T }[] = [];
  get size(): number {
    return this.items.length;
  }
  push(w: number, v: T): void {
    const a = this.items;
    a.push({ w, v });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as { w: number }).w >= w) break;
      [a[p], a[i]] = [a[i] as { w: number; v: T }, a[p] as { w: number; v: T }];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0] as { w: number; v: T };
    const last = a.pop() as { w: number; v: T };
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && (a[l] as { w: number }).w > (a[m] as { w: number }).w) m = l;
        if (r < a.length && (a[r] as { w: number }).w > (a[m] as { w: number }).w) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i] as { w: number; v: T }, a[m] as { w: number; v: T }];
        i = m;
      }
    }
    return top.v;
  }
}

/**
 * Folds stacks into at most `2 * maxNodes` flattened nodes (≤ maxNodes real ones, ≤ one "other" per kept parent).
 * The root's values are the sums of all stacks' values; every node's values equal its self values plus the sum of
 * its children's, "other" nodes included.
 */
export function foldStacks(
  stacks: readonly WeightedStack[],
  series: number,
  options: FoldOptions,
  /** Value of stacks not listed (past the query's stack limit), per series: shown as "other" under the root. */
  unlisted: readonly number[] = [],
): FoldedNode[] {
  const root = buildTrie(stacks, series);
  addInto(root.values, unlisted);
  const kept = new Set<TrieNode>([root]);
  const heap = new MaxHeap<TrieNode>();
  const offer = (n: TrieNode) => {
    for (const c of n.children.values()) {
      const w = weight(c.values, root.values);
      if (w >= options.minShare && w > 0) heap.push(w, c);
    }
  };
  offer(root);
  // Children are never heavier than their parent, so popping by weight keeps every kept node's parent kept.
  while (kept.size < options.maxNodes && heap.size > 0) {
    const n = heap.pop() as TrieNode;
    kept.add(n);
    offer(n);
  }

  const out: FoldedNode[] = [];
  const emit = (n: TrieNode, parentId: number, depth: number) => {
    const id = out.length;
    out.push({
      id,
      parentId,
      name: n.name,
      depth,
      values: [...n.values],
      selfValues: [...n.selfValues],
      other: false,
    });
    const cut = new Array<number>(series).fill(0);
    let anyCut = false;
    if (n === root && unlisted.some((v) => v > 0)) {
      addInto(cut, unlisted);
      anyCut = true;
    }
    const children = [...n.children.values()].sort(
      (a, b) => weight(b.values, root.values) - weight(a.values, root.values),
    );
    for (const c of children) {
      if (kept.has(c)) emit(c, id, depth + 1);
      else {
        addInto(cut, c.values);
        anyCut = true;
      }
    }
    if (anyCut)
      out.push({
        id: out.length,
        parentId: id,
        name: OTHER_NAME,
        depth: depth + 1,
        values: cut,
        selfValues: [...cut],
        other: true,
      });
  };
  emit(root, -1, 0);
  return out;
}

/** Self and inclusive totals per function (the leaf frame is "self"), exact over all stacks, largest self first. */
export function functionTotals(stacks: readonly WeightedStack[], series: number, limit: number): FunctionTotals[] {
  // `stamp` is the index of the last stack that counted the function: recursion counts once per stack without a
  // Set per stack.
  const byName = new Map<string, FunctionTotals & { stamp: number }>();
  const get = (name: string) => {
    let f = byName.get(name);
    if (!f) {
      f = { name, selfValues: new Array(series).fill(0), totalValues: new Array(series).fill(0), stamp: -1 };
      byName.set(name, f);
    }
    return f;
  };
  stacks.forEach((stack, i) => {
    const leaf = stack.frames[0];
    if (leaf !== undefined) addInto(get(leaf).selfValues, stack.values);
    for (const name of stack.frames) {
      const f = get(name);
      if (f.stamp === i) continue;
      f.stamp = i;
      addInto(f.totalValues, stack.values);
    }
  });
  const rank = (f: FunctionTotals) => Math.max(...f.selfValues);
  return [...byName.values()]
    .sort((a, b) => rank(b) - rank(a) || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name, selfValues, totalValues }) => ({ name, selfValues, totalValues }));
}
