import {
  HTTP1_ERROR_REASONS,
  type Http1ErrorReason,
  L7_PROTOCOL_NAMES,
  type L7ProtocolName,
  type L7Stats,
} from './types';

function perProtocol(): Record<L7ProtocolName, number> {
  const out = {} as Record<L7ProtocolName, number>;
  for (const p of L7_PROTOCOL_NAMES) out[p] = 0;
  return out;
}

/** Mutable counters shared by a tracker and all its parsers; `snapshot()` copies them out. */
export class L7Counters {
  recordsEmitted = 0;
  recordsDropped = 0;
  timeouts = 0;
  gaps = 0;
  gapBytes = 0;
  desyncs = 0;
  resyncs = 0;
  resyncSkippedBytes = 0;
  orphanResponses = 0;
  pipelineOverflows = 0;
  evictions = 0;
  httpConnections = 0;
  nonHttpConnections = 0;
  upgradedConnections = 0;
  readonly parseErrors: Record<Http1ErrorReason, number>;
  readonly protocolConnections = perProtocol();
  readonly protocolDesyncs = perProtocol();

  constructor() {
    const errors = {} as Record<Http1ErrorReason, number>;
    for (const reason of HTTP1_ERROR_REASONS) errors[reason] = 0;
    this.parseErrors = errors;
  }

  error(reason: Http1ErrorReason): void {
    this.parseErrors[reason]++;
  }

  snapshot(activeConnections: number): L7Stats {
    return {
      recordsEmitted: this.recordsEmitted,
      recordsDropped: this.recordsDropped,
      timeouts: this.timeouts,
      gaps: this.gaps,
      gapBytes: this.gapBytes,
      desyncs: this.desyncs,
      resyncs: this.resyncs,
      resyncSkippedBytes: this.resyncSkippedBytes,
      parseErrors: { ...this.parseErrors },
      orphanResponses: this.orphanResponses,
      pipelineOverflows: this.pipelineOverflows,
      evictions: this.evictions,
      httpConnections: this.httpConnections,
      nonHttpConnections: this.nonHttpConnections,
      upgradedConnections: this.upgradedConnections,
      protocolConnections: { ...this.protocolConnections },
      protocolDesyncs: { ...this.protocolDesyncs },
      activeConnections,
    };
  }
}
