export function flowLogPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/flows`;
}

/** The request log's URL parameters that name a resource (either party of a request). */
const REQUEST_LOG_SCOPES = ['pod', 'workload', 'service', 'host'] as const;

/**
 * The request log narrowed to one end of a flow: by its most specific known resource name, since the request log
 * filters by names, not addresses. Null when the end has no name.
 */
export function requestLogLinkFor(
  tenantSlug: string,
  end: { pod: string; workload: string; service: string; host: string },
  range: string,
): string | null {
  const scope = REQUEST_LOG_SCOPES.find((k) => end[k] !== '');
  if (scope === undefined) return null;
  const params = new URLSearchParams({ [scope]: end[scope] });
  if (range !== '1h') params.set('range', range);
  return `/t/${encodeURIComponent(tenantSlug)}/requests?${params.toString()}`;
}
