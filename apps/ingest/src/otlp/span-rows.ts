import { invalidRow, limitExceeded } from '../signals/signal-error';
import type { TenantIdentity } from '../signals/signal-auth';
import { attributeMap } from './attributes';
import type { TraceRequest } from './otlp-types';

/** One otel_spans row as the JSONEachRow insert expects it. */
export interface OtelSpanRow {
  tenant_id: number;
  time: string;
  duration_ns: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  name: string;
  kind: (typeof KINDS)[number];
  status_code: (typeof STATUS_CODES)[number];
  status_message: string;
  service_name: string;
  scope_name: string;
  resource_attributes: Record<string, string>;
  span_attributes: Record<string, string>;
  events_time: string[];
  events_name: string[];
  events_attributes: Record<string, string>[];
  links_trace_id: string[];
  links_span_id: string[];
  retention_days: number;
}

export const SPAN_LIMITS = {
  maxSpansPerRequest: 50_000,
  maxEvents: 128,
  maxLinks: 128,
  maxNameLength: 1024,
  maxTraceStateLength: 512,
  /** As for agent rows: older spans would land in partitions past retention. */
  maxAgeNs: 7n * 24n * 3600n * 1_000_000_000n,
  maxFutureNs: 3600n * 1_000_000_000n,
  maxDurationNs: 24n * 3600n * 1_000_000_000n,
} as const;

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const STATUS_CODES = ['unset', 'ok', 'error'] as const;

/** DateTime64(9) text without float rounding. */
export function formatNanos(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A trace or span id: exactly `size` bytes and not all zero (the W3C invalid id). */
function requireId(bytes: Uint8Array, size: number, where: string, field: string): string {
  if (bytes.length !== size || bytes.every((b) => b === 0)) {
    throw invalidRow(`${where}: ${field} must be ${size} bytes and not all zero`);
  }
  return hex(bytes);
}

/**
 * Validates and maps every span of a request; any invalid span refuses the request (a precise 4xx naming it).
 * The tenant is the credential's: a resource attribute claiming a tenant is stored as an attribute, nothing more.
 */
export function toOtelSpanRows(request: TraceRequest, identity: TenantIdentity, nowNs: bigint): OtelSpanRow[] {
  let total = 0;
  for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) total += ss.spans.length;
  if (total > SPAN_LIMITS.maxSpansPerRequest) {
    throw limitExceeded(`${total} spans in one request, at most ${SPAN_LIMITS.maxSpansPerRequest}`);
  }
  const rows: OtelSpanRow[] = [];
  const oldest = nowNs - SPAN_LIMITS.maxAgeNs;
  const newest = nowNs + SPAN_LIMITS.maxFutureNs;
  request.resourceSpans.forEach((rs, i) => {
    const resource = attributeMap(rs.resource?.attributes ?? [], `resourceSpans[${i}].resource`);
    const serviceName = resource['service.name'] ?? '';
    rs.scopeSpans.forEach((ss, j) => {
      ss.spans.forEach((s, k) => {
        const where = `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`;
        const start = BigInt(s.startTimeUnixNano);
        const end = BigInt(s.endTimeUnixNano);
        if (start < oldest || start > newest) {
          throw invalidRow(`${where}: startTimeUnixNano is outside the accepted time window`);
        }
        if (end < start || end - start > SPAN_LIMITS.maxDurationNs) {
          throw invalidRow(`${where}: endTimeUnixNano must be >= startTimeUnixNano and within 24h of it`);
        }
        if (s.name.length > SPAN_LIMITS.maxNameLength) {
          throw limitExceeded(`${where}: name longer than ${SPAN_LIMITS.maxNameLength} characters`);
        }
        if (s.traceState.length > SPAN_LIMITS.maxTraceStateLength) {
          throw limitExceeded(`${where}: traceState longer than ${SPAN_LIMITS.maxTraceStateLength} characters`);
        }
        if (s.events.length > SPAN_LIMITS.maxEvents) {
          throw limitExceeded(`${where}: ${s.events.length} events, at most ${SPAN_LIMITS.maxEvents}`);
        }
        if (s.links.length > SPAN_LIMITS.maxLinks) {
          throw limitExceeded(`${where}: ${s.links.length} links, at most ${SPAN_LIMITS.maxLinks}`);
        }
        const kind = KINDS[s.kind];
        if (!kind) throw invalidRow(`${where}: kind ${s.kind} is not a SpanKind`);
        const statusCode = STATUS_CODES[s.status?.code ?? 0];
        if (!statusCode) throw invalidRow(`${where}: status.code ${s.status?.code} is not a StatusCode`);
        rows.push({
          tenant_id: identity.tenantId,
          time: formatNanos(start),
          duration_ns: (end - start).toString(),
          trace_id: requireId(s.traceId, 16, where, 'traceId'),
          span_id: requireId(s.spanId, 8, where, 'spanId'),
          parent_span_id: s.parentSpanId.length === 0 ? '' : requireId(s.parentSpanId, 8, where, 'parentSpanId'),
          trace_state: s.traceState,
          name: s.name,
          kind,
          status_code: statusCode,
          status_message: s.status?.message ?? '',
          service_name: serviceName,
          scope_name: ss.scope?.name ?? '',
          resource_attributes: resource,
          span_attributes: attributeMap(s.attributes, where),
          events_time: s.events.map((e, n) => {
            const t = BigInt(e.timeUnixNano);
            if (t < oldest || t > newest)
              throw invalidRow(`${where}.events[${n}]: timeUnixNano is outside the accepted time window`);
            return formatNanos(t);
          }),
          events_name: s.events.map((e) => e.name),
          events_attributes: s.events.map((e, n) => attributeMap(e.attributes, `${where}.events[${n}]`)),
          links_trace_id: s.links.map((l, n) => requireId(l.traceId, 16, `${where}.links[${n}]`, 'traceId')),
          links_span_id: s.links.map((l, n) => requireId(l.spanId, 8, `${where}.links[${n}]`, 'spanId')),
          retention_days: identity.retentionDays,
        });
      });
    });
  });
  return rows;
}
