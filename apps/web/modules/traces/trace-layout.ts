import type { TraceSpan } from './traces.queries';

/** The letter on a bar: Application (OTel), System (eBPF), Network. */
export function spanTypeIcon(type: string): 'A' | 'S' | 'N' | '?' {
  if (type === 'APPLICATION') return 'A';
  if (type === 'SYSTEM') return 'S';
  if (type === 'NETWORK') return 'N';
  return '?';
}

export function spanTypeLabel(type: string): string {
  if (type === 'APPLICATION') return 'application span';
  if (type === 'SYSTEM') return 'system span';
  if (type === 'NETWORK') return 'network span';
  return 'span';
}

export interface SpanBar {
  span: TraceSpan;
  /** Percent of the trace's width. */
  leftPct: number;
  widthPct: number;
  depth: number;
}

/** x = time (relative to the trace's start), y = depth. */
export function layoutBars(spans: readonly TraceSpan[], startUs: number, durationUs: number): SpanBar[] {
  const total = durationUs > 0 ? durationUs : 1;
  return spans.map((span) => {
    const left = Math.min(100, Math.max(0, ((span.startUs - startUs) / total) * 100));
    const width = Math.min(100 - left, Math.max(0, ((span.endUs - span.startUs) / total) * 100));
    return { span, leftPct: left, widthPct: width, depth: span.depth };
  });
}

/** The ids of a span and all its ancestors. */
export function ancestorIds(spans: readonly TraceSpan[], id: string): Set<string> {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const out = new Set<string>();
  for (let cur = byId.get(id); cur && !out.has(cur.id); cur = cur.parentId ? byId.get(cur.parentId) : undefined) {
    out.add(cur.id);
  }
  return out;
}

export function maxDepth(spans: readonly TraceSpan[]): number {
  return spans.reduce((m, s) => Math.max(m, s.depth), 0);
}

export function formatShare(share: number): string {
  if (!Number.isFinite(share) || share <= 0) return '0 %';
  if (share < 0.001) return '<0.1 %';
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
}

/** The pairs the details panel lists: ids, addresses and attributes; empty values left out. */
export function spanDetails(span: TraceSpan): [string, string][] {
  const endpoint = (ip: string, port: number) => (ip === '' ? '' : `${ip.includes(':') ? `[${ip}]` : ip}:${port}`);
  const pairs: [string, string][] = [
    ['Type', spanTypeLabel(span.type)],
    ['Call', span.call],
    ['Service', span.service],
    ['Instance', span.instance],
    ['Side', span.side],
    ['Protocol', span.protocol],
    ['Status', span.statusCode ? `${span.statusCode} (${span.status})` : span.status],
    ['Namespace', span.namespace],
    ['Client', endpoint(span.clientIp, span.clientPort)],
    ['Server', endpoint(span.serverIp, span.serverPort)],
    ['Trace id', span.traceId],
    ['Span id', span.spanId],
    ['Parent span id', span.parentSpanId],
    ['x-request-id', span.xRequestId],
    ['Syscall trace id (request)', span.syscallTraceIdRequest === '0' ? '' : span.syscallTraceIdRequest],
    ['Syscall trace id (response)', span.syscallTraceIdResponse === '0' ? '' : span.syscallTraceIdResponse],
    ['TCP seq (request)', span.reqTcpSeq ? String(span.reqTcpSeq) : ''],
    ['TCP seq (response)', span.respTcpSeq ? String(span.respTcpSeq) : ''],
    ['Linked to parent by', span.link ?? ''],
    ...span.attributes.map((a): [string, string] => [a.key, a.value]),
  ];
  return pairs.filter(([, v]) => v !== '');
}
