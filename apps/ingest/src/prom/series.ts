import { createHash } from 'node:crypto';
import { invalidRow, limitExceeded } from '../signals/signal-error';
import type { TenantIdentity } from '../signals/signal-auth';

/**
 * Limits on what one request may carry. Label counts and lengths follow what Prometheus-compatible stores
 * (Mimir, Cortex) enforce; a series over them is almost always a label explosion — an id or a URL in a label.
 */
export const SERIES_LIMITS = {
  maxSeriesPerRequest: 10_000,
  maxSamplesPerRequest: 200_000,
  maxLabelsPerSeries: 64,
  maxLabelNameLength: 256,
  maxLabelValueLength: 2048,
  /** Like agent rows: older samples would land in partitions past retention. */
  maxAgeMs: 7 * 24 * 3600 * 1000,
  /** Client clocks may run a little ahead; more than this is a broken clock. */
  maxFutureMs: 3600 * 1000,
} as const;

export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One series as both decoders hand it over: labels including `__name__`, samples in milliseconds. */
export interface SeriesInput {
  labels: { name: string; value: string }[];
  samples: { timeMs: number; value: number }[];
}

export interface PrometheusSeriesRow {
  tenant_id: number;
  series_id: string;
  metric: string;
  labels: Record<string, string>;
  /** Seconds; one row per series and day it has samples in. */
  last_seen: number;
  retention_days: number;
}

export interface PrometheusSampleRow {
  tenant_id: number;
  series_id: string;
  /** DateTime64(3) as `seconds.millis` text, like the other tables' writers (no float rounding). */
  time: string;
  /** JSON has no NaN or infinities: those go as the strings ClickHouse parses ("nan", "inf", "-inf"). */
  value: number | string;
  retention_days: number;
}

/**
 * The series id: 64 bits of sha256 over the sorted label set (names and values NUL-separated, which neither
 * may contain unescaped in a sorted pair list without changing it). Computed in the gateway so samples need
 * no lookup; collisions at 64 bits need ~4·10^9 series per tenant to become likely.
 */
export function seriesId(sortedLabels: readonly { name: string; value: string }[]): string {
  const hash = createHash('sha256');
  for (const { name, value } of sortedLabels) hash.update(name).update('\0').update(value).update('\0');
  return hash.digest().readBigUInt64BE(0).toString();
}

function formatValue(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
}

/**
 * Validates every series of a request and maps it to rows. Any invalid series refuses the whole request: the
 * client gets one precise 4xx naming the series and field, and nothing is half-stored.
 */
export function toPrometheusRows(
  input: readonly SeriesInput[],
  identity: TenantIdentity,
  nowMs: number,
): { series: PrometheusSeriesRow[]; samples: PrometheusSampleRow[] } {
  if (input.length > SERIES_LIMITS.maxSeriesPerRequest) {
    throw limitExceeded(`${input.length} series in one request, at most ${SERIES_LIMITS.maxSeriesPerRequest}`);
  }
  let sampleCount = 0;
  for (const s of input) sampleCount += s.samples.length;
  if (sampleCount > SERIES_LIMITS.maxSamplesPerRequest) {
    throw limitExceeded(`${sampleCount} samples in one request, at most ${SERIES_LIMITS.maxSamplesPerRequest}`);
  }
  const series: PrometheusSeriesRow[] = [];
  const samples: PrometheusSampleRow[] = new Array(sampleCount);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const s = input[i] as SeriesInput;
    // Prometheus treats an empty label value as an absent label.
    const labels = s.labels.filter((l) => l.value !== '');
    if (labels.length > SERIES_LIMITS.maxLabelsPerSeries) {
      throw limitExceeded(`series ${i}: ${labels.length} labels, at most ${SERIES_LIMITS.maxLabelsPerSeries}`);
    }
    labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let metric: string | undefined;
    const map: Record<string, string> = {};
    for (let j = 0; j < labels.length; j++) {
      const { name, value } = labels[j] as { name: string; value: string };
      if (name.length > SERIES_LIMITS.maxLabelNameLength || !LABEL_NAME_RE.test(name)) {
        throw invalidRow(`series ${i}: label name ${JSON.stringify(name.slice(0, 64))} is not a valid label name`);
      }
      if (value.length > SERIES_LIMITS.maxLabelValueLength) {
        throw limitExceeded(
          `series ${i}: value of label ${name} is longer than ${SERIES_LIMITS.maxLabelValueLength} characters`,
        );
      }
      if (j > 0 && labels[j - 1]?.name === name) throw invalidRow(`series ${i}: duplicate label ${name}`);
      if (name === '__name__') metric = value;
      else map[name] = value;
    }
    if (metric === undefined) throw invalidRow(`series ${i}: has no __name__ label`);
    if (!METRIC_NAME_RE.test(metric)) {
      throw invalidRow(`series ${i}: metric name ${JSON.stringify(metric.slice(0, 64))} is not valid`);
    }
    if (s.samples.length === 0) continue;
    const id = seriesId(labels);
    const lastSeenPerDay = new Map<number, number>();
    for (const sample of s.samples) {
      const t = sample.timeMs;
      if (!Number.isSafeInteger(t) || t < nowMs - SERIES_LIMITS.maxAgeMs || t > nowMs + SERIES_LIMITS.maxFutureMs) {
        throw invalidRow(`series ${i} (${metric}): sample timestamp ${t} is outside the accepted time window`);
      }
      if (typeof sample.value !== 'number') throw invalidRow(`series ${i} (${metric}): sample value is not a number`);
      const day = Math.floor(t / 86_400_000);
      const seconds = Math.floor(t / 1000);
      if ((lastSeenPerDay.get(day) ?? -1) < seconds) lastSeenPerDay.set(day, seconds);
      samples[n++] = {
        tenant_id: identity.tenantId,
        series_id: id,
        time: `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}`,
        value: formatValue(sample.value),
        retention_days: identity.retentionDays,
      };
    }
    for (const lastSeen of lastSeenPerDay.values()) {
      series.push({
        tenant_id: identity.tenantId,
        series_id: id,
        metric,
        labels: map,
        last_seen: lastSeen,
        retention_days: identity.retentionDays,
      });
    }
  }
  samples.length = n;
  return { series, samples };
}
