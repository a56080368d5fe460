import dagre from '@dagrejs/dagre';

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

export interface Positioned {
  id: string;
  x: number;
  y: number;
}

/**
 * Left-to-right layered layout (callers left of callees) with dagre. Returns top-left corners, which is what
 * React Flow positions; dagre answers centres.
 */
export function layoutGraph(
  nodeIds: readonly string[],
  edges: ReadonlyArray<{ source: string; target: string }>,
): Map<string, Positioned> {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: 120, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of nodeIds) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges) if (e.source !== e.target) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out = new Map<string, Positioned>();
  for (const id of nodeIds) {
    const n = g.node(id);
    out.set(id, { id, x: (n?.x ?? 0) - NODE_WIDTH / 2, y: (n?.y ?? 0) - NODE_HEIGHT / 2 });
  }
  return out;
}
