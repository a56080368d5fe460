/** Where a trace search starts; exactly one of the three. */
export interface TraceStart {
  requestLogId?: string;
  traceId?: string;
  xRequestId?: string;
}

export function tracesPath(tenantSlug: string, start?: TraceStart): string {
  const base = `/t/${encodeURIComponent(tenantSlug)}/traces`;
  const params = new URLSearchParams();
  if (start?.requestLogId) params.set('row', start.requestLogId);
  if (start?.traceId) params.set('traceId', start.traceId);
  if (start?.xRequestId) params.set('requestId', start.xRequestId);
  const query = params.toString();
  return query === '' ? base : `${base}?${query}`;
}

type SearchParamValue = string | string[] | undefined;
const first = (v: SearchParamValue) => (Array.isArray(v) ? v[0] : v);

/** The start named by the page URL (the inverse of {@link tracesPath}), or null when none is. */
export function traceStartFromSearchParams(params: Record<string, SearchParamValue>): TraceStart | null {
  const row = first(params.row);
  if (row) return { requestLogId: row };
  const traceId = first(params.traceId);
  if (traceId) return { traceId };
  const requestId = first(params.requestId);
  if (requestId) return { xRequestId: requestId };
  return null;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/** What the search box holds: a 32-hex trace id, otherwise an x-request-id. */
export function traceStartFromText(text: string): TraceStart | null {
  const value = text.trim();
  if (value === '') return null;
  if (TRACE_ID.test(value.toLowerCase())) return { traceId: value.toLowerCase() };
  return { xRequestId: value };
}
