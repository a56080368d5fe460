import { isIP } from 'node:net';
import type { OtelSpanRow } from '../otlp/span-rows';
import type { PrometheusSeriesRow } from '../prom/series';
import type { AttributedIdentity } from '../tagging/l7-tagger';

/**
 * Where a span comes from, by the OpenTelemetry semantic conventions of its resource: the pod's address or UID,
 * the namespace and the service name. `atMs` is the span's start (an address belongs to whoever held it then).
 */
export function spanIdentity(row: OtelSpanRow): AttributedIdentity {
  const r = row.resource_attributes;
  return {
    atMs: Date.parse(`${row.time.slice(0, 23).replace(' ', 'T')}Z`),
    ip: firstAddress(r['k8s.pod.ip'], r['host.ip'], r['net.host.ip'], r['server.address']),
    podUid: r['k8s.pod.uid'] || undefined,
    namespace: r['k8s.namespace.name'] || r['service.namespace'] || undefined,
    service: row.service_name || undefined,
  };
}

/**
 * Where a Prometheus series comes from: the scrape target's address (`instance` = host:port) and the usual
 * Kubernetes service-discovery labels. `job` is a scrape configuration's name, not a service, so it is not used.
 */
export function seriesIdentity(row: PrometheusSeriesRow): AttributedIdentity {
  const l = row.labels;
  return {
    atMs: row.last_seen * 1000,
    ip: firstAddress(hostOf(l.instance ?? ''), l.pod_ip, l.host_ip),
    podUid: l.pod_uid || undefined,
    namespace: l.namespace || l.kubernetes_namespace || undefined,
    service: l.service || l.kubernetes_service || undefined,
  };
}

/** `10.0.0.1:9100` → `10.0.0.1`, `[fd00::1]:9100` → `fd00::1`; a name (not an address) → ''. */
export function hostOf(instance: string): string {
  if (instance.startsWith('[')) {
    const end = instance.indexOf(']');
    return end > 0 ? instance.slice(1, end) : '';
  }
  if (isIP(instance)) return instance;
  const colon = instance.lastIndexOf(':');
  return colon > 0 ? instance.slice(0, colon) : instance;
}

/** The first value that is an IP address: attributes are free text, and a name must not reach the IP map. */
function firstAddress(...candidates: (string | undefined)[]): string | undefined {
  for (const c of candidates) if (c && isIP(c) !== 0) return c;
  return undefined;
}
