import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import type { Trace, TraceStartInput } from './dto/traces.types.js';
import { TraceSpanType } from './dto/traces.types.js';
import {
  DEFAULT_TRACE_LIMITS,
  decodeRequestLogId,
  TraceSearch,
  type TraceSearchLimits,
  type TraceSeed,
} from './trace-search.js';
import { buildTraceTree } from './trace-tree.js';

/** Exactly one way to start; anything else is a precise BAD_USER_INPUT on `from`. */
export function traceSeed(from: TraceStartInput, now: Date): TraceSeed {
  const given = [from.requestLogId, from.traceId, from.xRequestId].filter((v) => v !== undefined && v !== null);
  if (given.length !== 1) {
    throw apiError('BAD_USER_INPUT', 'give exactly one of requestLogId, traceId or xRequestId', { field: 'from' });
  }
  if (from.spanId && !from.traceId) {
    throw apiError('BAD_USER_INPUT', 'spanId needs traceId', { field: 'from.spanId' });
  }
  const aroundMs = (from.around ?? now).getTime();
  if (from.requestLogId) {
    const id = decodeRequestLogId(from.requestLogId);
    if (!id) throw apiError('BAD_USER_INPUT', 'invalid request-log row id', { field: 'from.requestLogId' });
    return { kind: 'requestLog', ...id };
  }
  if (from.traceId && from.spanId) return { kind: 'otelSpan', traceId: from.traceId, spanId: from.spanId, aroundMs };
  if (from.traceId) return { kind: 'traceId', traceId: from.traceId, aroundMs };
  const xRequestId = from.xRequestId ?? '';
  if (xRequestId === '') throw apiError('BAD_USER_INPUT', 'xRequestId must not be empty', { field: 'from.xRequestId' });
  return { kind: 'xRequestId', xRequestId, aroundMs };
}

export function traceLimits(from: TraceStartInput): TraceSearchLimits {
  return {
    toleranceMs: from.toleranceMs ?? DEFAULT_TRACE_LIMITS.toleranceMs,
    seedWindowMs: from.seedWindowMinutes ? from.seedWindowMinutes * 60_000 : DEFAULT_TRACE_LIMITS.seedWindowMs,
    maxIterations: from.maxIterations ?? DEFAULT_TRACE_LIMITS.maxIterations,
    maxSpans: from.maxSpans ?? DEFAULT_TRACE_LIMITS.maxSpans,
  };
}

@Injectable()
export class TracesService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  async trace(viewer: Viewer, from: TraceStartInput): Promise<Trace> {
    const seed = traceSeed(from, new Date());
    // Both tables are scoped with the request log's columns: l7_flow_log has them, and otel_spans selects the same
    // names as aliases (see TraceSearch.otelSelect), exactly like the spans query.
    const search = new TraceSearch(
      this.ch,
      viewer.tenantId,
      (q) => this.authz.scopeTelemetry(viewer, q),
      traceLimits(from),
    );
    const found = await search.run(seed);
    // Another tenant's id, a policy hiding the seed, or no such request: all look the same to the caller.
    if (found.spans.length === 0) throw apiError('NOT_FOUND', 'no visible span matches the trace start');
    const tree = buildTraceTree(found.spans);
    return {
      spans: tree.nodes.map((n) => ({
        ...n.span,
        type: TraceSpanType[n.span.type],
        parentId: n.parentId,
        link: n.link,
        depth: n.depth,
        durationUs: n.span.endUs - n.span.startUs,
        selfTimeUs: n.selfTimeUs,
      })),
      services: tree.services,
      startUs: tree.startUs,
      durationUs: tree.endUs - tree.startUs,
      iterations: found.iterations,
      truncated: found.truncated,
    };
  }
}
