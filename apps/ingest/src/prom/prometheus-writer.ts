import type { ClickHouseHandle } from '@bathyscope/clickhouse';
import type { IngestMetrics } from '../ingest-metrics';
import { NO_DEDUPLICATION_TOKEN, storageUnavailable } from '../signals/signal-error';
import { seriesIdentity } from '../signals/signal-tagging';
import type { ResourceTagger } from '../tagging/l7-tagger';
import type { PrometheusSampleRow, PrometheusSeriesRow } from './series';

/**
 * Writes series then samples. A series row is written once per (tenant, series, day) per gateway process —
 * remembered only after its insert committed, so a failed insert is retried with the next request. Samples carry
 * no deduplication token: remote_write and OTLP have no sequence numbers, and the tables' non-replicated
 * deduplication window already drops a block identical to a recent one, which is what a client retry sends.
 */
export class PrometheusWriter {
  private readonly seen = new Set<string>();

  constructor(
    private readonly ch: ClickHouseHandle,
    private readonly metrics: IngestMetrics,
    private readonly tagger: ResourceTagger,
    private readonly maxSeen = 200_000,
  ) {}

  async write(rows: { series: PrometheusSeriesRow[]; samples: PrometheusSampleRow[] }): Promise<void> {
    const fresh = new Map<string, PrometheusSeriesRow>();
    for (const s of rows.series) {
      const key = `${s.tenant_id}:${s.series_id}:${Math.floor(s.last_seen / 86_400)}`;
      const prior = fresh.get(key);
      if (!this.seen.has(key) && (!prior || prior.last_seen < s.last_seen)) fresh.set(key, s);
    }
    if (fresh.size > 0) {
      // Tags live on the series row (one per series and day), so tagging costs nothing per sample.
      const series = [...fresh.values()];
      try {
        await this.tagger.tagByAttributes(
          series[0]?.tenant_id as number,
          series.map(seriesIdentity),
          series as unknown as Record<string, unknown>[],
        );
      } catch (err) {
        throw storageUnavailable(err, rows.samples.length);
      }
      await this.insert('prometheus_series', series);
    }
    if (this.seen.size + fresh.size > this.maxSeen) this.seen.clear();
    for (const key of fresh.keys()) this.seen.add(key);
    if (rows.samples.length > 0) await this.insert('prometheus_samples', rows.samples);
  }

  private async insert(table: string, values: object[]): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await this.ch.client.insert({
        table: `${this.ch.database}.${table}`,
        values,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: NO_DEDUPLICATION_TOKEN },
      });
    } catch (err) {
      throw storageUnavailable(err, values.length);
    }
    this.metrics.insertSeconds.observe({ table }, Number(process.hrtime.bigint() - started) / 1e9);
    this.metrics.acceptedRows.inc({ table }, values.length);
  }
}
