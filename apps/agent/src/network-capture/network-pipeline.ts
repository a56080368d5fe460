import { forEachPacket, PacketBatchError } from '@bathyscope/native';
import { TapSide } from '@bathyscope/wire';
import type { RowSink } from '../capture/capture-pipeline';
import type { RecordFilter } from '../capture/record-filter';
import { toWireRow, type WallClock } from '../capture/to-wire';
import { ConnectionTracker } from '../l7';
import { FlowTable, type FlowTableOptions } from './flow-table';
import { DECODE_FAILURES, type DecodeFailure, decodeIpTcp, newTcpSegment, type TcpSegment } from './tcp-decoder';

export interface NetworkPipelineCounters {
  batches: number;
  /** Batches refused whole (layout mismatch with the addon, a record running past the end). */
  batchErrors: number;
  packets: number;
  decodeFailures: Record<DecodeFailure, number>;
  rowsEmitted: number;
}

/**
 * Captured packets → TCP segments → per-flow in-order payload → the L7 parsers (a ConnectionTracker of its own, the
 * same protocols and request-id headers as the socket pipeline's) → request-log rows with tap side `network`: the
 * exchange as it crossed the interface, with packet times, the TCP sequence numbers of the request's and the
 * response's first bytes (what joins it to the client's and the server's syscall rows) and no process (it is the
 * wire). Rows pass the socket pipeline's RecordFilter (gateway traffic, protocol switches, ports, sampling) so both
 * observation points keep and drop the same connections.
 */
export class NetworkPipeline {
  readonly tracker: ConnectionTracker;
  readonly flows: FlowTable;
  readonly counters: NetworkPipelineCounters = {
    batches: 0,
    batchErrors: 0,
    packets: 0,
    decodeFailures: Object.fromEntries(DECODE_FAILURES.map((r) => [r, 0])) as Record<DecodeFailure, number>,
    rowsEmitted: 0,
  };
  private readonly segment: TcpSegment = newTcpSegment();
  private readonly visit: (p: {
    batch: Buffer;
    tsNs: bigint;
    ethertype: number;
    wireLen: number;
    capLen: number;
    offset: number;
  }) => void;

  constructor(
    private readonly sink: RowSink,
    private readonly filter: RecordFilter,
    private readonly clock: WallClock,
    options: FlowTableOptions & { requestIdHeaders?: readonly string[] } = {},
  ) {
    this.tracker = new ConnectionTracker({
      requestIdHeaders: options.requestIdHeaders,
      maxConnections: options.maxFlows,
      onRecord: (record) => {
        if (!this.filter.accept(record)) return;
        const row = toWireRow(record, this.clock);
        row.tapSide = TapSide.Network;
        row.pid = 0;
        row.tid = 0;
        row.processName = '';
        this.counters.rowsEmitted++;
        this.sink.enqueue(row);
      },
    });
    this.flows = new FlowTable(this.tracker, options);
    const seg = this.segment;
    const failures = this.counters.decodeFailures;
    this.visit = (p) => {
      this.counters.packets++;
      const failure = decodeIpTcp(p.batch, p.offset, p.capLen, p.ethertype, p.wireLen, seg);
      if (failure !== null) {
        failures[failure]++;
        return;
      }
      this.flows.onSegment(seg, p.batch, p.tsNs);
    };
  }

  /** One batch from `PacketCapture`. Never throws: a malformed batch is counted and skipped. */
  onBatch(batch: Buffer): void {
    this.counters.batches++;
    try {
      forEachPacket(batch, this.visit);
    } catch (err) {
      if (err instanceof PacketBatchError) this.counters.batchErrors++;
      else throw err;
    }
  }

  /** Once a second: idle flows closed, unanswered requests timed out. */
  tick(nowNs: bigint): void {
    this.flows.expire(nowNs);
    this.tracker.expire(nowNs);
  }

  /** Capture stopped: every flow closed so a restart does not pair bytes across the hole. */
  closeAll(nowNs: bigint): void {
    this.flows.closeAll(nowNs);
    this.tracker.closeAll(nowNs);
  }
}
