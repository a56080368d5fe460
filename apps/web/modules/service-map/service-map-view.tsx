'use client';

import {
  Background,
  BaseEdge,
  Controls,
  type Edge,
  EdgeLabelRenderer,
  type EdgeProps,
  getStraightPath,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type JSX, type MouseEvent as ReactMouseEvent, useCallback, useMemo, useRef, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import {
  edgeMetricRows,
  formatLatency,
  formatPercent,
  formatRate,
  GROUPINGS,
  health,
  MAP_TIME_RANGES,
  type MapRangeKey,
  mapSearch,
  mapWindow,
  nodeLabel,
} from './service-map-format';
import { layoutGraph } from './service-map-layout';
import {
  type GroupBy,
  type MapEdge,
  type MapNode,
  SERVICE_MAP_QUERY,
  type ServiceMapData,
  serviceMapPath,
  servicePath,
} from './service-map.queries';
import { RedCells, RedHeaders, redTableClass } from './red-columns';
import { HeaderSelect } from './header-select';
import styles from './service-map.module.css';
import { useQueryResult } from './use-query-result';

type MapNodeData = { node: MapNode };
type MapEdgeData = { edge: MapEdge; title: string; onHover: (edge: MapEdge | null, event?: ReactMouseEvent) => void };

function ServiceNode({ data }: NodeProps<Node<MapNodeData>>): JSX.Element {
  const { node } = data;
  return (
    <div
      className={styles.node}
      data-node={node.id}
      data-health={health(node.red)}
      data-unresolved={node.unresolved || undefined}
    >
      <Handle type="target" position={Position.Left} className={styles.handle} />
      <span className={styles.nodeKind}>{node.unresolved ? 'unresolved' : node.kind}</span>
      <strong className={styles.nodeName} title={nodeLabel(node)}>
        {nodeLabel(node)}
      </strong>
      <span className={styles.nodeStats}>
        {node.red.requests > 0
          ? `${formatRate(node.red.requestRate)} · ${formatPercent(node.red.errorRate)} err · p95 ${formatLatency(node.red.latencyP95Us)}`
          : 'no requests served'}
      </span>
      <Handle type="source" position={Position.Right} className={styles.handle} />
    </div>
  );
}

/** A straight edge with its request rate at the middle; hovering the line or the label shows the metrics. */
function MetricEdge({ id, sourceX, sourceY, targetX, targetY, markerEnd, data }: EdgeProps<Edge<MapEdgeData>>) {
  const [path, labelX, labelY] = getStraightPath({ sourceX, sourceY, targetX, targetY });
  const edge = data?.edge;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={styles.edgePath} interactionWidth={24} />
      {edge && (
        <EdgeLabelRenderer>
          <button
            type="button"
            className={`${styles.edgeLabel} nodrag nopan`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-edge={edge.id}
            data-health={health(edge.red)}
            aria-label={`${data.title}: ${formatRate(edge.red.requestRate)}`}
            onMouseEnter={(e) => data.onHover(edge, e)}
            onMouseMove={(e) => data.onHover(edge, e)}
            onMouseLeave={() => data.onHover(null)}
            onFocus={(e) => data.onHover(edge, e as unknown as ReactMouseEvent)}
            onBlur={() => data.onHover(null)}
          >
            {formatRate(edge.red.requestRate)}
          </button>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

const NODE_TYPES = { service: ServiceNode };
const EDGE_TYPES = { metric: MetricEdge };

export interface ServiceMapViewProps {
  tenantSlug: string;
  initialRange: MapRangeKey;
  initialGroupBy: GroupBy;
}

/** Where a node leads: a service's page, or the inventory page of the resource it groups by. */
function nodeHref(tenantSlug: string, node: MapNode, range: MapRangeKey): string | null {
  if (node.unresolved || node.resourceId <= 0) return null;
  if (node.kind === 'service') return `${servicePath(tenantSlug, node.resourceId)}${mapSearch(range)}`;
  return `/t/${encodeURIComponent(tenantSlug)}/inventory/${node.resourceId}`;
}

/** The interactive service map: who calls whom, with RED per node and edge, over a time range kept in the URL. */
export function ServiceMapView({ tenantSlug, initialRange, initialGroupBy }: ServiceMapViewProps): JSX.Element {
  const router = useRouter();
  const onUnauthenticated = useSignInRedirect();
  const [range, setRange] = useState<MapRangeKey>(initialRange);
  const [groupBy, setGroupBy] = useState<GroupBy>(initialGroupBy);
  const [hovered, setHovered] = useState<{ edge: MapEdge; x: number; y: number } | null>(null);
  const canvas = useRef<HTMLElement>(null);

  const load = useCallback(
    async (signal: AbortSignal): Promise<ServiceMapData> =>
      (await graphqlRequest(SERVICE_MAP_QUERY, { timeRange: mapWindow(range), groupBy }, { signal })).serviceMap,
    [range, groupBy],
  );
  const result = useQueryResult(`${range}|${groupBy}`, load, onUnauthenticated);
  const map = result.data;

  const choose = (nextRange: MapRangeKey, nextGroup: GroupBy) => {
    setRange(nextRange);
    setGroupBy(nextGroup);
    setHovered(null);
    router.replace(`${serviceMapPath(tenantSlug)}${mapSearch(nextRange, nextGroup)}`, { scroll: false });
  };

  const onHover = useCallback((edge: MapEdge | null, event?: ReactMouseEvent) => {
    if (!edge) {
      setHovered(null);
      return;
    }
    const box = canvas.current?.getBoundingClientRect();
    const target = event?.currentTarget as HTMLElement | undefined;
    const point =
      event && 'clientX' in event && event.clientX !== undefined
        ? { x: event.clientX, y: event.clientY }
        : target
          ? { x: target.getBoundingClientRect().right, y: target.getBoundingClientRect().bottom }
          : { x: 0, y: 0 };
    setHovered({ edge, x: point.x - (box?.left ?? 0) + 12, y: point.y - (box?.top ?? 0) + 12 });
  }, []);

  const { nodes, edges } = useMemo(() => {
    if (!map) return { nodes: [] as Node<MapNodeData>[], edges: [] as Edge<MapEdgeData>[] };
    const labels = new Map(map.nodes.map((n) => [n.id, nodeLabel(n)]));
    const positions = layoutGraph(
      map.nodes.map((n) => n.id),
      map.edges,
    );
    return {
      nodes: map.nodes.map(
        (node): Node<MapNodeData> => ({
          id: node.id,
          type: 'service',
          position: positions.get(node.id) ?? { x: 0, y: 0 },
          data: { node },
          connectable: false,
          draggable: true,
        }),
      ),
      edges: map.edges.map(
        (edge): Edge<MapEdgeData> => ({
          id: edge.id,
          source: edge.source,
          target: edge.target,
          type: 'metric',
          data: { edge, title: `${labels.get(edge.source)} → ${labels.get(edge.target)}`, onHover },
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
        }),
      ),
    };
  }, [map, onHover]);

  const names = new Map((map?.nodes ?? []).map((n) => [n.id, nodeLabel(n)]));

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="service-map-heading">
      <PageHeader
        headingId="service-map-heading"
        title="Service map"
        refreshing={result.loading}
        onRefresh={result.reload}
      >
        <HeaderSelect label="Time range" value={range} options={MAP_TIME_RANGES} onChange={(v) => choose(v, groupBy)} />
        <HeaderSelect label="Group by" value={groupBy} options={GROUPINGS} onChange={(v) => choose(range, v)} />
      </PageHeader>

      <LoadErrorAlert title="Could not load the service map." error={result.error} />
      {map && (
        <p className={pageStyles.meta} data-resolution={map.resolution}>
          {map.nodes.length} nodes, {map.edges.length} edges · {map.resolution} rollup · each request counted once per
          edge (client side when seen there)
        </p>
      )}

      <figure
        ref={canvas}
        className={styles.canvas}
        aria-label="Service map"
        aria-busy={result.loading}
        data-node-count={map?.nodes.length ?? 0}
        data-edge-count={map?.edges.length ?? 0}
      >
        {map && map.nodes.length === 0 && !result.loading && (
          <p className={styles.empty}>No calls in this time range.</p>
        )}
        {map && map.nodes.length > 0 && (
          <ReactFlow
            key={`${range}|${groupBy}`}
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            edgeTypes={EDGE_TYPES}
            fitView
            minZoom={0.2}
            nodesConnectable={false}
            onNodeClick={(_e, node) => {
              const href = nodeHref(tenantSlug, (node.data as MapNodeData).node, range);
              if (href) router.push(href);
            }}
            onEdgeMouseEnter={(e, edge) => onHover((edge.data as MapEdgeData).edge, e)}
            onEdgeMouseMove={(e, edge) => onHover((edge.data as MapEdgeData).edge, e)}
            onEdgeMouseLeave={() => onHover(null)}
          >
            <Background gap={24} />
            <Controls showInteractive={false} />
          </ReactFlow>
        )}
        {hovered && (
          <div
            role="tooltip"
            className={styles.tooltip}
            style={{ left: hovered.x, top: hovered.y }}
            data-edge={hovered.edge.id}
          >
            <p className={styles.tooltipTitle}>
              {names.get(hovered.edge.source)} → {names.get(hovered.edge.target)}
            </p>
            <dl className={styles.tooltipRows}>
              {edgeMetricRows(hovered.edge).map(([label, value]) => (
                <div key={label}>
                  <dt>{label}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          </div>
        )}
      </figure>

      {map && map.nodes.length > 0 && <NodeTable tenantSlug={tenantSlug} nodes={map.nodes} range={range} />}
    </section>
  );
}

/** The same nodes as a table: reachable by keyboard and screen readers, and sortable by eye. */
function NodeTable({
  tenantSlug,
  nodes,
  range,
}: {
  tenantSlug: string;
  nodes: MapNode[];
  range: MapRangeKey;
}): JSX.Element {
  const sorted = [...nodes].sort((a, b) => b.red.requests - a.red.requests || a.name.localeCompare(b.name));
  return (
    <div className={styles.tablePanel}>
      <table className={redTableClass}>
        <caption className="visually-hidden">Nodes of the service map</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <RedHeaders rateLabel="Rate (as server)" />
          </tr>
        </thead>
        <tbody>
          {sorted.map((node) => {
            const href = nodeHref(tenantSlug, node, range);
            return (
              <tr key={node.id} data-node={node.id}>
                <td>{href ? <Link href={href}>{nodeLabel(node)}</Link> : nodeLabel(node)}</td>
                <RedCells red={node.red} />
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
