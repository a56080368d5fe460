import type { ForecastInput, ForecastMetric, ForecastSource } from './forecasts.queries';

/** The metrics each source offers, in the order the form lists them, with their labels. */
export const METRICS_BY_SOURCE: Record<ForecastSource, readonly { metric: ForecastMetric; label: string }[]> = {
  HOST: [
    { metric: 'CPU_PERCENT', label: 'CPU (%)' },
    { metric: 'MEMORY_PERCENT', label: 'Memory (%)' },
    { metric: 'DISK_PERCENT', label: 'Disk use (%)' },
    { metric: 'NETWORK_BYTES_PER_SECOND', label: 'Network (bytes/s)' },
  ],
  SERVICE: [{ metric: 'REQUEST_RATE', label: 'Request rate (req/s)' }],
  TENANT: [
    { metric: 'INGEST_ROWS_PER_HOUR', label: 'Ingest (rows/h)' },
    { metric: 'STORAGE_BYTES', label: 'Storage (bytes, estimated)' },
  ],
};

export const SOURCE_LABELS: Record<ForecastSource, string> = {
  HOST: 'Host',
  SERVICE: 'Service',
  TENANT: 'This tenant',
};

export const HORIZONS = [
  { hours: 24, label: '1 day' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
  { hours: 336, label: '14 days' },
  { hours: 720, label: '30 days' },
] as const;

const SOURCES = Object.keys(METRICS_BY_SOURCE) as ForecastSource[];

export function forecastsPath(tenantSlug: string, input?: ForecastInput): string {
  const base = `/t/${encodeURIComponent(tenantSlug)}/forecasts`;
  if (!input) return base;
  const q = new URLSearchParams({ source: input.source, metric: input.metric });
  if (input.target) q.set('target', input.target);
  q.set('horizon', String(input.horizonHours));
  q.set('interval', String(input.intervalPercent));
  if (input.threshold !== undefined) q.set('threshold', String(input.threshold));
  return `${base}?${q}`;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * The forecast a URL asks for, or null when it names none (the form alone). Values the API would refuse are
 * dropped to defaults here, so a hand-edited URL shows a form rather than an error.
 */
export function forecastFromSearchParams(query: Record<string, string | string[] | undefined>): ForecastInput | null {
  const source = one(query.source) as ForecastSource | undefined;
  if (!source || !SOURCES.includes(source)) return null;
  const metrics = METRICS_BY_SOURCE[source].map((m) => m.metric);
  const metricText = one(query.metric) as ForecastMetric | undefined;
  const metric = metricText && metrics.includes(metricText) ? metricText : (metrics[0] as ForecastMetric);
  const target = (one(query.target) ?? '').trim().slice(0, 253);
  if (source !== 'TENANT' && target === '') return null;
  const horizon = Number(one(query.horizon));
  const interval = Number(one(query.interval));
  const thresholdText = one(query.threshold);
  const threshold = thresholdText === undefined || thresholdText === '' ? Number.NaN : Number(thresholdText);
  return {
    source,
    ...(source === 'TENANT' ? {} : { target }),
    metric,
    horizonHours: HORIZONS.some((h) => h.hours === horizon) ? horizon : 168,
    intervalPercent: interval === 80 ? 80 : 95,
    ...(Number.isFinite(threshold) ? { threshold } : {}),
  };
}

/** "4.2 %" for sMAPE/MAPE, "–" when there is none. */
export function formatPercent(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '–';
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} %`;
}

/** Values in the metric's unit, bytes in binary multiples. */
export function formatMetric(v: number, unit: string): string {
  if (unit === 'B' || unit === 'B/s') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let x = Math.abs(v);
    let i = 0;
    while (x >= 1024 && i < units.length - 1) {
      x /= 1024;
      i++;
    }
    const text = `${(Math.sign(v) * x).toFixed(x >= 100 ? 0 : 1)} ${units[i]}`;
    return unit === 'B/s' ? `${text}/s` : text;
  }
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${v.toFixed(digits)} ${unit}`;
}
