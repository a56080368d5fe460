/**
 * Builds a trace tree from spans found by the iterative search (see trace-search.ts). Pure and deterministic:
 * spans are put into a canonical order first and every choice breaks ties on that order, so the same set of spans
 * gives the same tree whatever order the queries returned them in.
 */

/** APPLICATION: OTel span; SYSTEM: eBPF request-log row; NETWORK: request-log row seen by packet capture. */
export type TraceSpanType = 'APPLICATION' | 'SYSTEM' | 'NETWORK';

/** The rule that made a span the child of its parent, strongest first. */
export type TraceLink = 'otel_parent' | 'tcp_seq' | 'syscall' | 'traceparent' | 'x_request_id';

export interface TraceSpanInput {
  /** Unique within the trace. */
  id: string;
  type: TraceSpanType;
  startUs: number;
  endUs: number;
  /** 'client' | 'server' for system spans; the OTel kind for application spans. */
  side: string;
  traceId: string;
  /** OTel: the span's id. System: the traceparent's parent-id (the caller's span). */
  spanId: string;
  /** OTel only. */
  parentSpanId: string;
  xRequestId: string;
  syscallTraceIdRequest: string;
  syscallTraceIdResponse: string;
  reqTcpSeq: number;
  respTcpSeq: number;
  /** Identifies the observing process: spans linked by syscall trace id must share it. */
  processKey: string;
  service: string;
}

export interface TraceTreeNode<S extends TraceSpanInput> {
  span: S;
  parentId: string | null;
  link: TraceLink | null;
  depth: number;
  selfTimeUs: number;
}

export interface TraceServiceLatency {
  service: string;
  selfTimeUs: number;
  /** Self time over the trace's duration (root extent), 0..1. */
  share: number;
  spanCount: number;
}

export interface TraceTree<S extends TraceSpanInput> {
  /** Depth-first, children by start time: the order a timeline draws them. */
  nodes: TraceTreeNode<S>[];
  services: TraceServiceLatency[];
  startUs: number;
  endUs: number;
}

/**
 * Slack for time containment between spans seen on the same host (syscall link, x-request-id): timestamps of one
 * request's two rows come from different syscalls, so they can be a little out of order.
 */
export const SAME_HOST_SLACK_US = 2_000;

const isServer = (s: TraceSpanInput) => s.type === 'SYSTEM' && s.side === 'server';
const isClient = (s: TraceSpanInput) => s.type === 'SYSTEM' && s.side === 'client';
const isNetwork = (s: TraceSpanInput) => s.type === 'NETWORK';
const seqKey = (s: TraceSpanInput) => (s.reqTcpSeq !== 0 || s.respTcpSeq !== 0 ? `${s.reqTcpSeq}:${s.respTcpSeq}` : '');
const syscallIds = (s: TraceSpanInput) =>
  [s.syscallTraceIdRequest, s.syscallTraceIdResponse].filter((id) => id !== '' && id !== '0');
/**
 * `outer` encloses `inner` in time, give or take the slack. The longer span is the container (ties by canonical
 * order), so two spans never contain each other even when the slack exceeds their length.
 */
const contains = (outer: TraceSpanInput, inner: TraceSpanInput, slackUs: number) => {
  const dOuter = outer.endUs - outer.startUs;
  const dInner = inner.endUs - inner.startUs;
  if (dOuter < dInner || (dOuter === dInner && canonicalOrder(outer, inner) >= 0)) return false;
  return outer.startUs <= inner.startUs + slackUs && outer.endUs + slackUs >= inner.endUs;
};

function canonicalOrder(a: TraceSpanInput, b: TraceSpanInput): number {
  return a.startUs - b.startUs || b.endUs - a.endUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Among candidates, the tightest one containing the span in time (latest start, then canonical order). */
function tightest<S extends TraceSpanInput>(span: S, candidates: readonly S[], slackUs: number): S | undefined {
  let best: S | undefined;
  for (const c of candidates) {
    if (c.id === span.id || !contains(c, span, slackUs)) continue;
    if (!best || c.startUs > best.startUs || (c.startUs === best.startUs && canonicalOrder(c, best) > 0)) best = c;
  }
  return best;
}

export function buildTraceTree<S extends TraceSpanInput>(input: readonly S[]): TraceTree<S> {
  const byId = new Map<string, S>();
  for (const s of input) if (!byId.has(s.id)) byId.set(s.id, s);
  const spans = [...byId.values()].sort(canonicalOrder);

  const otelBySpanId = new Map<string, S[]>();
  const clientsBySeq = new Map<string, S[]>();
  /** The wire's views of one request (one per capturing interface on the way), in canonical (time) order. */
  const networkBySeq = new Map<string, S[]>();
  const serversBySyscall = new Map<string, S[]>();
  const systemServersByCallerSpan = new Map<string, S[]>();
  const byRequestId = new Map<string, S[]>();
  for (const s of spans) {
    if (s.type === 'APPLICATION' && s.spanId) pushTo(otelBySpanId, `${s.traceId}:${s.spanId}`, s);
    if (isClient(s) && seqKey(s)) pushTo(clientsBySeq, seqKey(s), s);
    if (isNetwork(s) && seqKey(s)) pushTo(networkBySeq, seqKey(s), s);
    if (isServer(s)) for (const id of syscallIds(s)) pushTo(serversBySyscall, `${s.processKey}:${id}`, s);
    if (isServer(s) && s.spanId) pushTo(systemServersByCallerSpan, `${s.traceId}:${s.spanId}`, s);
    if (s.xRequestId) pushTo(byRequestId, s.xRequestId, s);
  }

  const parentOf = new Map<string, { parent: S; link: TraceLink }>();
  // Would making `parent` the parent of `span` close a cycle? Walk up from the parent.
  const createsCycle = (span: S, parent: S) => {
    for (let p: S | undefined = parent; p; p = parentOf.get(p.id)?.parent) if (p.id === span.id) return true;
    return false;
  };

  const seqParent = (s: S): S | undefined => {
    const key = seqKey(s);
    const wire = networkBySeq.get(key);
    if (isServer(s)) return wire?.at(-1) ?? clientsBySeq.get(key)?.[0];
    if (!isNetwork(s)) return undefined;
    const at = (wire as S[]).indexOf(s);
    return at > 0 ? wire?.[at - 1] : clientsBySeq.get(key)?.[0];
  };

  const candidatesFor = (s: S): [TraceLink, S | undefined][] => [
    [
      'otel_parent',
      s.type === 'APPLICATION' && s.parentSpanId ? otelBySpanId.get(`${s.traceId}:${s.parentSpanId}`)?.[0] : undefined,
    ],
    // The client's, the wire's and the server's views of one request nest in that order: client > network (each
    // capture point under the one before it) > server. No time check, as the rows may come from hosts whose clocks
    // differ.
    ['tcp_seq', seqKey(s) ? seqParent(s) : undefined],
    // An outbound request made by the thread serving an inbound one, inside its lifetime.
    [
      'syscall',
      isClient(s)
        ? tightest(
            s,
            syscallIds(s).flatMap((id) => serversBySyscall.get(`${s.processKey}:${id}`) ?? []),
            SAME_HOST_SLACK_US,
          )
        : undefined,
    ],
    // A system span that carried a traceparent is the wire view of a call made inside the OTel span it names.
    [
      'traceparent',
      s.type === 'SYSTEM' && s.spanId
        ? otelBySpanId.get(`${s.traceId}:${s.spanId}`)?.[0]
        : // An instrumented server's own span: its parent (the caller's span) is what the system server span saw.
          s.type === 'APPLICATION' && s.parentSpanId
          ? systemServersByCallerSpan.get(`${s.traceId}:${s.parentSpanId}`)?.[0]
          : undefined,
    ],
    ['x_request_id', s.xRequestId ? tightest(s, byRequestId.get(s.xRequestId) ?? [], SAME_HOST_SLACK_US) : undefined],
  ];

  // Strong links first for all spans, then weaker ones for those still without a parent: a weak link must never
  // take the place a strong one would have decided.
  const LINKS: TraceLink[] = ['otel_parent', 'tcp_seq', 'syscall', 'traceparent', 'x_request_id'];
  for (const link of LINKS) {
    for (const s of spans) {
      if (parentOf.has(s.id)) continue;
      // An instrumented callee's server span hangs under the system server span that saw the same traceparent
      // (caller span > system server span > application server span), not directly under the caller's span.
      const callee =
        link === 'otel_parent' && s.type === 'APPLICATION' && s.side === 'server' && s.parentSpanId
          ? systemServersByCallerSpan.get(`${s.traceId}:${s.parentSpanId}`)?.[0]
          : undefined;
      const parent = callee ?? candidatesFor(s).find(([l]) => l === link)?.[1];
      const how: TraceLink = callee ? 'traceparent' : link;
      if (parent && parent.id !== s.id && !createsCycle(s, parent)) parentOf.set(s.id, { parent, link: how });
    }
  }

  const children = new Map<string, S[]>();
  const roots: S[] = [];
  for (const s of spans) {
    const p = parentOf.get(s.id);
    if (p) pushTo(children, p.parent.id, s);
    else roots.push(s);
  }

  const nodes: TraceTreeNode<S>[] = [];
  // Latency is attributed within the parent's interval. A child sticking out of it is off by a clock offset (another
  // host's clock) or by where it was observed (a wire view's packet leaves before the server's write returns): for
  // attribution it is moved inside, keeping its duration up to the parent's, so a tree's self times add up to its
  // root's duration and never more. The spans' own times are left as observed.
  const place = (s: S, outer: Interval): Interval => {
    const duration = Math.min(s.endUs - s.startUs, outer.endUs - outer.startUs);
    let startUs = Math.max(s.startUs, outer.startUs);
    if (startUs + duration > outer.endUs) startUs = outer.endUs - duration;
    return { startUs, endUs: startUs + duration };
  };
  const visit = (s: S, depth: number, at: Interval) => {
    const kids = children.get(s.id) ?? [];
    const placed = kids.map((k) => place(k, at));
    nodes.push({
      span: s,
      parentId: parentOf.get(s.id)?.parent.id ?? null,
      link: parentOf.get(s.id)?.link ?? null,
      depth,
      selfTimeUs: selfTime(at, placed),
    });
    for (let i = 0; i < kids.length; i++) visit(kids[i] as S, depth + 1, placed[i] as Interval);
  };
  // Iterative over roots, recursive within: depth is bounded by the span count, which the search caps.
  for (const r of roots) visit(r, 0, { startUs: r.startUs, endUs: r.endUs });

  const startUs = spans.length ? Math.min(...spans.map((s) => s.startUs)) : 0;
  const endUs = spans.length ? Math.max(...spans.map((s) => s.endUs)) : 0;
  return { nodes, services: serviceLatency(nodes, endUs - startUs), startUs, endUs };
}

interface Interval {
  startUs: number;
  endUs: number;
}

/** Duration minus the union of the children's intervals clipped to the span. */
export function selfTime(span: Interval, kids: readonly Interval[]): number {
  const intervals = kids
    .map((k) => [Math.max(k.startUs, span.startUs), Math.min(k.endUs, span.endUs)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [a, b] of intervals) {
    if (a > curEnd) {
      if (curEnd > curStart) covered += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else curEnd = Math.max(curEnd, b);
  }
  if (curEnd > curStart) covered += curEnd - curStart;
  return Math.max(0, span.endUs - span.startUs - covered);
}

function serviceLatency<S extends TraceSpanInput>(nodes: TraceTreeNode<S>[], totalUs: number): TraceServiceLatency[] {
  const by = new Map<string, TraceServiceLatency>();
  for (const n of nodes) {
    const name = n.span.service;
    const entry = by.get(name) ?? { service: name, selfTimeUs: 0, share: 0, spanCount: 0 };
    entry.selfTimeUs += n.selfTimeUs;
    entry.spanCount += 1;
    by.set(name, entry);
  }
  const list = [...by.values()];
  for (const e of list) e.share = totalUs > 0 ? Math.min(1, e.selfTimeUs / totalUs) : 0;
  return list.sort((a, b) => b.selfTimeUs - a.selfTimeUs || (a.service < b.service ? -1 : 1));
}
