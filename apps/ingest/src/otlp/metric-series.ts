import type { SeriesInput } from '../prom/series';
import { attributeMap } from './attributes';
import type { KeyValue, MetricsRequest } from './otlp-types';

/**
 * OTLP metrics → Prometheus series, following the OpenTelemetry "Prometheus and OpenMetrics compatibility"
 * spec, so OTLP metrics live in the same tables as remote_write and are queried the same way:
 * - names: characters outside [a-zA-Z0-9_:] become `_`, the unit is appended (`_seconds`, `_bytes`, `_ratio` …),
 *   monotonic cumulative sums get `_total`;
 * - attribute keys are sanitized the same way (`key_` before a leading digit; colliding keys join their values
 *   with `;`); `job` = [service.namespace/]service.name and `instance` = service.instance.id from the resource;
 * - histograms become `_bucket{le}` (cumulative), `_count`, `_sum`; summaries `{quantile}`, `_count`, `_sum`;
 * - exponential histograms keep only `_count` and `_sum` (Prometheus stores them as native histograms, which
 *   these tables do not model);
 * - delta sums and delta histograms cannot become cumulative series without state per stream: they are dropped
 *   and reported as rejected in the OTLP partial-success answer. Points flagged "no recorded value" are skipped.
 * Other resource attributes (target_info) are not stored yet.
 */

const DELTA = 1;
const NO_RECORDED_VALUE = 1;

const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  bit: 'bits',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};
const PER_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** Characters Prometheus names may not hold → `_`, runs of `_` collapsed (as the spec's translation does). */
function sanitize(name: string, allowColon: boolean): string {
  return name.replace(allowColon ? /[^a-zA-Z0-9_:]/g : /[^a-zA-Z0-9_]/g, '_').replace(/__+/g, '_');
}

/** The unit as a name suffix: `ms` → `milliseconds`, `By/s` → `bytes_per_second`, `{request}` → nothing. */
export function unitSuffix(unit: string): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '' || bare === '1') return '';
  const [num = '', per] = bare.split('/', 2);
  const parts: string[] = [];
  if (num !== '' && num !== '1') parts.push(UNIT_WORDS[num] ?? num);
  if (per) parts.push(`per_${PER_WORDS[per] ?? UNIT_WORDS[per] ?? per}`);
  return sanitize(parts.join('_'), false).replace(/^_+|_+$/g, '');
}

export function prometheusMetricName(name: string, unit: string, kind: 'counter' | 'gauge' | 'other'): string {
  let out = sanitize(name, true);
  if (/^[0-9]/.test(out)) out = `_${out}`;
  const suffix = kind === 'gauge' && unit === '1' ? 'ratio' : unitSuffix(unit);
  if (suffix && !out.endsWith(`_${suffix}`)) out += `_${suffix}`;
  if (kind === 'counter' && !out.endsWith('_total')) out += '_total';
  return out === '' ? '_' : out;
}

export function prometheusLabelName(key: string): string {
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  return out;
}

function labelsOf(attributes: readonly KeyValue[], where: string, resourceLabels: Record<string, string>) {
  const merged = new Map<string, string[]>();
  const attrs = attributeMap(attributes, where);
  for (const key of Object.keys(attrs).sort()) {
    const name = prometheusLabelName(key);
    if (name === '__name__' || name === 'job' || name === 'instance') continue;
    const values = merged.get(name);
    if (values) values.push(attrs[key] as string);
    else merged.set(name, [attrs[key] as string]);
  }
  const out = [...merged].map(([name, values]) => ({ name, value: values.join(';') }));
  for (const [name, value] of Object.entries(resourceLabels)) out.push({ name, value });
  return out;
}

function resourceLabels(attributes: readonly KeyValue[], where: string): Record<string, string> {
  const r = attributeMap(attributes, where);
  const labels: Record<string, string> = {};
  const service = r['service.name'];
  if (service) labels.job = r['service.namespace'] ? `${r['service.namespace']}/${service}` : service;
  if (r['service.instance.id']) labels.instance = r['service.instance.id'];
  return labels;
}

const nsToMs = (ns: bigint | number): number => Number(BigInt(ns) / 1_000_000n);

/** Prometheus' text for a bucket bound (`le`): shortest round-trip decimal, `+Inf` for the overflow bucket. */
function formatLe(bound: number): string {
  if (bound === Number.POSITIVE_INFINITY) return '+Inf';
  if (bound === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(bound);
}

export interface ConvertedMetrics {
  series: SeriesInput[];
  /** Data points that could not be stored (delta temporality), for the partial-success answer. */
  rejectedPoints: number;
  rejectedReason: string;
}

export function toPrometheusSeries(request: MetricsRequest): ConvertedMetrics {
  const series: SeriesInput[] = [];
  let rejectedPoints = 0;
  const push = (name: string, labels: { name: string; value: string }[], timeMs: number, value: number) => {
    series.push({ labels: [{ name: '__name__', value: name }, ...labels], samples: [{ timeMs, value }] });
  };
  request.resourceMetrics.forEach((rm, i) => {
    const resource = resourceLabels(rm.resource?.attributes ?? [], `resourceMetrics[${i}].resource`);
    rm.scopeMetrics.forEach((sm, j) => {
      sm.metrics.forEach((m, k) => {
        const where = `resourceMetrics[${i}].scopeMetrics[${j}].metrics[${k}]`;
        if (m.gauge) {
          const name = prometheusMetricName(m.name, m.unit, 'gauge');
          m.gauge.dataPoints.forEach((p, n) => {
            if (p.flags & NO_RECORDED_VALUE) return;
            const value = p.value === 'asInt' ? Number(p.asInt ?? 0) : Number(p.asDouble ?? 0);
            push(name, labelsOf(p.attributes, `${where}.dataPoints[${n}]`, resource), nsToMs(p.timeUnixNano), value);
          });
        } else if (m.sum) {
          if (m.sum.aggregationTemporality === DELTA) {
            rejectedPoints += m.sum.dataPoints.length;
            return;
          }
          const name = prometheusMetricName(m.name, m.unit, m.sum.isMonotonic ? 'counter' : 'gauge');
          m.sum.dataPoints.forEach((p, n) => {
            if (p.flags & NO_RECORDED_VALUE) return;
            const value = p.value === 'asInt' ? Number(p.asInt ?? 0) : Number(p.asDouble ?? 0);
            push(name, labelsOf(p.attributes, `${where}.dataPoints[${n}]`, resource), nsToMs(p.timeUnixNano), value);
          });
        } else if (m.histogram) {
          if (m.histogram.aggregationTemporality === DELTA) {
            rejectedPoints += m.histogram.dataPoints.length;
            return;
          }
          const name = prometheusMetricName(m.name, m.unit, 'other');
          m.histogram.dataPoints.forEach((p, n) => {
            if (p.flags & NO_RECORDED_VALUE) return;
            const labels = labelsOf(p.attributes, `${where}.dataPoints[${n}]`, resource);
            const t = nsToMs(p.timeUnixNano);
            let cumulative = 0;
            // bucket_counts has one more entry than explicit_bounds (the +Inf bucket), or none at all.
            p.explicitBounds.forEach((bound, b) => {
              cumulative += Number(p.bucketCounts[b] ?? 0);
              push(`${name}_bucket`, [...labels, { name: 'le', value: formatLe(bound) }], t, cumulative);
            });
            push(`${name}_bucket`, [...labels, { name: 'le', value: '+Inf' }], t, Number(p.count));
            push(`${name}_count`, labels, t, Number(p.count));
            if (p._sum === 'sum') push(`${name}_sum`, labels, t, p.sum ?? 0);
          });
        } else if (m.exponentialHistogram) {
          if (m.exponentialHistogram.aggregationTemporality === DELTA) {
            rejectedPoints += m.exponentialHistogram.dataPoints.length;
            return;
          }
          const name = prometheusMetricName(m.name, m.unit, 'other');
          m.exponentialHistogram.dataPoints.forEach((p, n) => {
            if (p.flags & NO_RECORDED_VALUE) return;
            const labels = labelsOf(p.attributes, `${where}.dataPoints[${n}]`, resource);
            const t = nsToMs(p.timeUnixNano);
            push(`${name}_count`, labels, t, Number(p.count));
            if (p._sum === 'sum') push(`${name}_sum`, labels, t, p.sum ?? 0);
          });
        } else if (m.summary) {
          const name = prometheusMetricName(m.name, m.unit, 'other');
          m.summary.dataPoints.forEach((p, n) => {
            if (p.flags & NO_RECORDED_VALUE) return;
            const labels = labelsOf(p.attributes, `${where}.dataPoints[${n}]`, resource);
            const t = nsToMs(p.timeUnixNano);
            for (const q of p.quantileValues) {
              push(name, [...labels, { name: 'quantile', value: String(q.quantile) }], t, q.value);
            }
            push(`${name}_count`, labels, t, Number(p.count));
            push(`${name}_sum`, labels, t, p.sum);
          });
        }
      });
    });
  });
  return {
    series,
    rejectedPoints,
    rejectedReason: rejectedPoints > 0 ? 'delta temporality is not supported: export cumulative metrics' : '',
  };
}
