import type { ProfileNode } from './profile.queries';

/** The nested shape d3-flame-graph draws: `value` is inclusive, `delta` (diff only) is the node's own change. */
export interface FlameNode {
  name: string;
  value: number;
  children: FlameNode[];
  delta?: number;
  /** Stands for merged small subtrees. */
  other?: boolean;
}

/**
 * Rebuilds the tree from the API's flat pre-order list (parents before children). The API sends a flat list
 * because GraphQL selections have a fixed depth and stacks do not.
 */
export function toFlameTree(nodes: readonly (ProfileNode & { delta?: number })[]): FlameNode | null {
  const byId = new Map<number, FlameNode>();
  let root: FlameNode | null = null;
  for (const n of nodes) {
    const node: FlameNode = { name: n.name, value: n.value, children: [] };
    if (n.delta !== undefined) node.delta = n.delta;
    if (n.other) node.other = true;
    byId.set(n.id, node);
    const parent = byId.get(n.parentId);
    if (parent) parent.children.push(node);
    else if (root === null) root = node;
  }
  return root;
}

/** Share of the total in percent with one decimal, as the search summary and tables show it. */
export function percent(value: number, total: number): string {
  if (total <= 0) return '0.0%';
  return `${((100 * value) / total).toFixed(1)}%`;
}

/**
 * Sum of the values of nodes whose name contains `term` (case-insensitive), not counting a match inside a match,
 * so recursion is not counted twice: the share of the samples the search covers.
 */
export function searchShare(root: FlameNode | null, term: string): { matches: number; value: number } {
  const needle = term.trim().toLowerCase();
  if (root === null || needle === '') return { matches: 0, value: 0 };
  let matches = 0;
  let value = 0;
  const visit = (n: FlameNode, inMatch: boolean) => {
    const hit = n.name.toLowerCase().includes(needle);
    if (hit) matches++;
    if (hit && !inMatch) value += n.value;
    for (const c of n.children) visit(c, inMatch || hit);
  };
  visit(root, false);
  return { matches, value };
}
