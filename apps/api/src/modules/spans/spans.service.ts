import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import { Inject, Injectable } from '@nestjs/common';
import { CLICKHOUSE } from '../../infra/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import type { PageInput, TimeRangeInput } from '../requests/dto/requests.types.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../telemetry/keyset-cursor.js';
import { tenantQueryInRange } from '../telemetry/time-range.js';
import type { Span, SpanAttribute, SpanConnection, SpanFilterInput } from './dto/spans.types.js';

interface SpanRow {
  time_ns: string;
  duration_text: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: string;
  status_code: string;
  status_message: string;
  service: string;
  namespace: string;
  span_attributes: Record<string, string>;
  resource_attributes: Record<string, string>;
  pod_id: number;
  service_id: number;
}

const attributes = (m: Record<string, string>): SpanAttribute[] =>
  Object.entries(m).map(([key, value]) => ({ key, value }));

/**
 * OTLP spans of the caller's tenant. The namespace, service and environment that policies speak of are read from the
 * span's resource (aliases in the SELECT, which ClickHouse lets WHERE use), so the same ABAC scoping as the request
 * log applies; spans carry no agent, so a policy limited to agent groups allows none of them (fails closed).
 */
@Injectable()
export class SpansService {
  constructor(
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseHandle,
    @Inject(AuthzService) private readonly authz: AuthzService,
  ) {}

  async list(
    viewer: Viewer,
    range: TimeRangeInput,
    filter: SpanFilterInput | undefined,
    page: PageInput,
  ): Promise<SpanConnection> {
    const q = tenantQueryInRange(viewer.tenantId, range);
    if (filter?.traceId) q.where('trace_id = $', 'String', filter.traceId);
    if (filter?.service != null) q.where('service_name = $', 'String', filter.service);
    if (filter?.namespace != null) q.where('namespace = $', 'String', filter.namespace);
    if (filter?.nameContains) q.where('position(name, $) > 0', 'String', filter.nameContains);
    if (filter?.status) q.where('status_code = $', 'String', filter.status);
    if (filter?.minDurationMs != null) {
      q.where('duration_ns >= $', 'UInt64', String(Math.round(filter.minDurationMs * 1e6)));
    }
    if ((await this.authz.scopeTelemetry(viewer, q)) === 'none') {
      return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
    }
    if (page.after) {
      const c = decodeKeysetCursor(page.after, /^[0-9a-f]{16}$/);
      q.whereAll('(toUnixTimestamp64Nano(time), span_id) < ($1, $2)', [
        ['Int64', c.time],
        ['String', c.key],
      ]);
    }

    const rs = await this.ch.client.query({
      query: `
        SELECT
          toString(toUnixTimestamp64Nano(time)) AS time_ns, toString(duration_ns) AS duration_text,
          trace_id, span_id, parent_span_id, name, kind, status_code, status_message,
          service_name AS service,
          if(resource_attributes['k8s.namespace.name'] != '', resource_attributes['k8s.namespace.name'],
             resource_attributes['service.namespace']) AS namespace,
          resource_attributes['deployment.environment'] AS environment,
          toUInt32(0) AS agent_id,
          span_attributes, resource_attributes, pod_id, service_id
        FROM ${this.ch.database}.otel_spans
        WHERE ${q.whereSql()}
        ORDER BY time DESC, span_id DESC
        LIMIT {limit:UInt32}`,
      query_params: { ...q.queryParams(), limit: page.first + 1 },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<SpanRow>();
    const hasNextPage = rows.length > page.first;
    const edges = rows.slice(0, page.first).map((r) => {
      const cursor = encodeKeysetCursor(r.time_ns, r.span_id);
      const node: Span = {
        id: cursor,
        traceId: r.trace_id,
        spanId: r.span_id,
        parentSpanId: r.parent_span_id,
        name: r.name,
        kind: r.kind,
        status: r.status_code,
        statusMessage: r.status_message,
        service: r.service,
        namespace: r.namespace,
        time: new Date(Number(BigInt(r.time_ns) / 1_000_000n)),
        durationNs: Number(r.duration_text),
        attributes: attributes(r.span_attributes),
        resourceAttributes: attributes(r.resource_attributes),
        podId: r.pod_id,
        serviceId: r.service_id,
      };
      return { cursor, node };
    });
    return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
