import { gzipSync } from 'node:zlib';
import { encodeHostMetricsBatch, type HostMetrics, INGEST_HOST_METRICS_PATH } from '@bathyscope/wire';
import { SpooledShipper, type SpooledShipperOptions, type SpooledShipperStats } from '../shipper/spooled-shipper';

export const HOST_METRICS_STREAM = 'host';

/** `spoolMaxBytes` defaults to 16 MiB: at one row per 10 s that is weeks of a typical host. */
export type HostMetricsShipperOptions = SpooledShipperOptions;
export type HostMetricsShipperStats = SpooledShipperStats;

/**
 * Ships each collection as one `HostMetricsBatch` (stream `host`, next seq) through its own spool (see
 * SpooledShipper). One row per batch: a collection every few seconds is small, and it should reach dashboards at
 * once rather than wait for company.
 */
export class HostMetricsShipper extends SpooledShipper {
  constructor(options: HostMetricsShipperOptions) {
    super(options, {
      path: INGEST_HOST_METRICS_PATH,
      defaultMaxBytes: 16 << 20,
      maxRows: 1_000_000,
      memoryCacheBytes: 1 << 20,
    });
  }

  ship(row: HostMetrics): void {
    this.enqueue(HOST_METRICS_STREAM, 1, (seq) =>
      gzipSync(encodeHostMetricsBatch({ stream: HOST_METRICS_STREAM, seq, rows: [row] })),
    );
  }
}
