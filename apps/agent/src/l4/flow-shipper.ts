import { gzipSync } from 'node:zlib';
import { encodeFlowBatch, type FlowRow, INGEST_FLOWS_PATH, type PairSecond } from '@bathyscope/wire';
import { SpooledShipper, type SpooledShipperOptions, type SpooledShipperStats } from '../shipper/spooled-shipper';

export const FLOW_STREAM = 'flows';
/** Rows per batch: ~100 bytes each encoded, so a batch stays well under the gateway's body limit. */
export const FLOW_ROWS_PER_BATCH = 5_000;
export const FLOW_PAIRS_PER_BATCH = 10_000;

/** `spoolMaxBytes` defaults to 64 MiB: about 600k rows (minutes of a very busy host's connections, days of a quiet one). */
export type FlowShipperOptions = SpooledShipperOptions;
/** `rowsDropped` counts rows and pair seconds. */
export type FlowShipperStats = SpooledShipperStats;

/**
 * Ships flow-log rows and per-pair seconds as `FlowBatch`es (stream `flows`, next seq) through their own spool
 * (see SpooledShipper).
 */
export class FlowShipper extends SpooledShipper {
  constructor(options: FlowShipperOptions) {
    super(options, {
      path: INGEST_FLOWS_PATH,
      defaultMaxBytes: 64 << 20,
      maxRows: 2_000_000,
      memoryCacheBytes: 4 << 20,
    });
  }

  /** Spools rows and pair seconds as batches of at most FLOW_ROWS_PER_BATCH rows and FLOW_PAIRS_PER_BATCH pairs. */
  ship(rows: readonly FlowRow[], pairs: readonly PairSecond[] = []): void {
    if (this.isClosed || (rows.length === 0 && pairs.length === 0)) return;
    for (let r = 0, p = 0; r < rows.length || p < pairs.length; r += FLOW_ROWS_PER_BATCH, p += FLOW_PAIRS_PER_BATCH) {
      const chunk = rows.slice(r, r + FLOW_ROWS_PER_BATCH) as FlowRow[];
      const pairChunk = pairs.slice(p, p + FLOW_PAIRS_PER_BATCH) as PairSecond[];
      this.enqueue(FLOW_STREAM, chunk.length + pairChunk.length, (seq) =>
        gzipSync(encodeFlowBatch({ stream: FLOW_STREAM, seq, rows: chunk, pairs: pairChunk })),
      );
    }
  }
}
