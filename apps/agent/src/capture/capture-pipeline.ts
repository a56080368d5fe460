import type { SocketEvent } from '@bathyscope/native';
import type { L7Request } from '@bathyscope/wire';
import { ConnectionTracker } from '../l7';
import { RecordFilter } from './record-filter';
import { toWireRow, WallClock } from './to-wire';

/** Where accepted rows go (the shipper). */
export interface RowSink {
  enqueue(row: L7Request): void;
}

/**
 * Socket events → HTTP/1 records → filter → wire rows → sink. The gate is shut while capture is off or HTTP/1 is
 * disabled: events are then discarded without parsing (counted), and connections in flight are closed so a later
 * restart does not pair bytes across the hole.
 */
export class CapturePipeline {
  readonly tracker: ConnectionTracker;
  readonly filter = new RecordFilter();
  readonly clock = new WallClock();
  /** Events that arrived while the gate was shut (in flight when capture was switched off, or HTTP/1 disabled). */
  eventsDiscarded = 0;
  /** Events of connections outside the `sampling.l7Rate` share, skipped before parsing. */
  eventsSampledOut = 0;
  private captureOpen = true;
  private readonly now: () => bigint;

  constructor(
    private readonly sink: RowSink,
    options: { requestIdHeaders?: readonly string[]; now?: () => bigint } = {},
  ) {
    this.now = options.now ?? (() => process.hrtime.bigint());
    this.tracker = new ConnectionTracker({
      requestIdHeaders: options.requestIdHeaders,
      onRecord: (record) => {
        if (this.filter.accept(record)) this.sink.enqueue(toWireRow(record, this.clock));
      },
    });
  }

  /** Whether syscall events are parsed at all: HTTP/1 off still leaves the other protocols on. */
  get open(): boolean {
    return this.captureOpen;
  }

  onEvents(events: readonly SocketEvent[]): void {
    if (!this.open) {
      this.eventsDiscarded += events.length;
      return;
    }
    const filter = this.filter;
    if (!filter.sampling) {
      this.tracker.pushAll(events);
      return;
    }
    // Sampling decides per connection before parsing, so a connection left out costs a hash per event instead of
    // the whole parse (deciding on records, after parsing, made a low rate barely cheaper than keeping all). An
    // event without both ports (no inet endpoints known) is parsed and its record decided by the filter.
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as SocketEvent;
      if (
        ev.localPort === 0 ||
        ev.remotePort === 0 ||
        filter.keepsConnection(ev.localAddr, ev.localPort, ev.remoteAddr, ev.remotePort)
      ) {
        this.tracker.push(ev);
      } else {
        this.eventsSampledOut++;
      }
    }
  }

  /** Capture switched on or off (config, budget pause, revocation). */
  setCapture(open: boolean): void {
    const was = this.open;
    this.captureOpen = open;
    if (was && !this.open) this.tracker.closeAll(this.now());
  }

  setHttp1(enabled: boolean, ports: readonly number[]): void {
    const was = this.open;
    this.filter.setHttp1(enabled, ports);
    if (was && !this.open) this.tracker.closeAll(this.now());
  }
}
