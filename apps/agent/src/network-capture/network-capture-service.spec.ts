import type { PacketCaptureStats } from '@bathyscope/native';
import type { NetworkCaptureConfig } from '@bathyscope/wire';
import { describe, expect, it } from 'vitest';
import { RecordFilter } from '../capture/record-filter';
import { WallClock } from '../capture/to-wire';
import { ConnectionTracker } from '../l7';
import { NetworkCaptureService, type PacketSource } from './network-capture-service';
import { NetworkPipeline } from './network-pipeline';

class FakeCapture implements PacketSource {
  closed = false;
  drops = 0;
  constructor(readonly config: NetworkCaptureConfig) {}
  start(): void {
    if (this.config.interfaces.includes('bad0')) throw new Error('no interface named "bad0"');
  }
  stats(): PacketCaptureStats {
    return {
      kernelPackets: 0,
      kernelDrops: this.drops,
      ringFreezes: 0,
      delivered: 0,
      userDropped: 1,
      batches: 0,
      inFlightBatches: 0,
    };
  }
  interfaces() {
    return (this.config.interfaces.length ? this.config.interfaces : ['lo', 'eth0']).map((name, i) => ({
      name,
      ifindex: i + 1,
    }));
  }
  close(): void {
    this.closed = true;
  }
  unref(): this {
    return this;
  }
}

function service() {
  const opened: FakeCapture[] = [];
  const source = new ConnectionTracker();
  const pipeline = new NetworkPipeline({ enqueue: () => {} }, new RecordFilter(), new WallClock());
  const s = new NetworkCaptureService(pipeline, source, (c) => {
    const f = new FakeCapture(c);
    opened.push(f);
    return f;
  });
  return { s, opened, source, pipeline };
}

const on = (patch: Partial<NetworkCaptureConfig> = {}): NetworkCaptureConfig => ({
  enabled: true,
  interfaces: [],
  snaplen: 512,
  ...patch,
});

describe('NetworkCaptureService', () => {
  it('stays closed by default, opens when enabled, reopens only when interfaces or snap length change, closes when disabled or held', () => {
    const { s, opened } = service();
    s.apply(); // the default: off
    expect([opened.length, s.running]).toEqual([0, false]);
    s.apply(on());
    expect(opened).toHaveLength(1);
    expect(s.programs()).toEqual(['socket_filter/af_packet_tcp_payload:lo,eth0']);
    s.apply(on());
    expect(opened).toHaveLength(1); // same settings: nothing reopened
    s.apply(on({ snaplen: 1024 }));
    expect(opened.map((o) => [o.closed, o.config.snaplen])).toEqual([
      [true, 512],
      [false, 1024],
    ]);
    s.hold(true);
    expect(s.running).toBe(false);
    s.apply(on({ snaplen: 1024 }));
    expect(s.running).toBe(false); // paused wins over the configuration
    s.hold(false);
    expect(opened).toHaveLength(3);
    s.apply(on({ enabled: false }));
    expect(s.running).toBe(false);
    expect(s.programs()).toEqual([]);
    // Drops survive reopening: 1 user drop per capture opened.
    expect(s.counters()).toEqual({
      'network.packets': 0,
      'network.delivered': 0,
      'network.drops': 3,
      'network.ring_freezes': 0,
    });
  });

  it('reports a capture that cannot start as a problem, and clears it once one starts', () => {
    const { s } = service();
    s.apply(on({ interfaces: ['bad0'] }));
    expect(s.running).toBe(false);
    expect(s.problem).toMatch(/network capture failed to start: no interface named "bad0"/);
    s.apply(on({ interfaces: ['lo'] }));
    expect([s.running, s.problem]).toEqual([true, null]);
  });

  it("follows the socket pipeline's protocol switches and request-id headers", () => {
    const { s, source, pipeline } = service();
    source.setProtocols(['redis']);
    source.requestIdHeaders.set(['x-correlation-id']);
    s.tick(1n);
    expect(pipeline.tracker.protocolSpecs.map((p) => p.protocol)).toEqual(['redis']);
    expect(pipeline.tracker.requestIdHeaders.names).toEqual(['x-correlation-id']);
  });
});
