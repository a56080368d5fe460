import {
  type AgentConfig,
  DEFAULT_EBPF_CONFIG,
  protocolEnabled,
  SWITCHABLE_PROTOCOLS,
  type SwitchableProtocol,
} from '@bathyscope/wire';
import type { CapturePipeline } from '../capture/capture-pipeline';
import { L7_PROTOCOL_NAMES } from '../l7';
import type { CaptureSwitch } from '../capture/capture-switch';
import type { L7Shipper } from '../shipper/l7-shipper';
import type { SelfMonitor } from './self-monitor';

/** The running parts a configuration reaches. */
export interface ConfigTargets {
  pipeline: Pick<CapturePipeline, 'setHttp1' | 'filter' | 'tracker'>;
  shipper: Pick<L7Shipper, 'setMaxPendingRows'>;
  capture: Pick<CaptureSwitch, 'hold' | 'reattach'>;
  monitor: Pick<SelfMonitor, 'setLimits'>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The kernel ring buffer's size under `config`, in MiB. */
export const ringBufferMb = (config: AgentConfig | null): number => (config?.ebpf ?? DEFAULT_EBPF_CONFIG).ringBufferMb;

/**
 * Applies a validated AgentConfig to the running agent, knob by knob, without a restart. Only what differs from
 * the configuration in force is touched (everything, the first time), so re-applying the same document is free
 * and never detaches the tracer.
 */
export class AgentConfigApplier {
  private current: AgentConfig | null = null;

  constructor(private readonly targets: ConfigTargets) {}

  get config(): AgentConfig | null {
    return this.current;
  }

  /**
   * Returns the changed settings (dotted paths) and a promise that settles when capture reflects the
   * configuration (attaching the tracer loads BPF programs, which takes a moment).
   */
  apply(next: AgentConfig): { changed: string[]; settled: Promise<void> } {
    const prev = this.current;
    const { pipeline, shipper, capture, monitor } = this.targets;
    const changed: string[] = [];
    let settled: Promise<void> = Promise.resolve();

    if (!prev || prev.collectors.l7Requests !== next.collectors.l7Requests) {
      changed.push('collectors.l7Requests');
      settled = capture.hold('config', !next.collectors.l7Requests);
    }
    // The tracer reads these when it loads: a change reloads it (the first apply attaches with them already).
    const reloads: string[] = [];
    if (prev && (prev.tls?.enabled ?? true) !== (next.tls?.enabled ?? true)) reloads.push('tls.enabled');
    if (prev && ringBufferMb(prev) !== ringBufferMb(next)) reloads.push('ebpf.ringBufferMb');
    if (reloads.length > 0) {
      changed.push(...reloads);
      const held = settled;
      settled = held.then(() => capture.reattach());
    }
    if (!prev || !same(prev.protocols.http1, next.protocols.http1)) {
      changed.push('protocols.http1');
      pipeline.setHttp1(next.protocols.http1.enabled, next.protocols.http1.ports);
    }
    const switches = (c: AgentConfig) => SWITCHABLE_PROTOCOLS.filter((name) => !protocolEnabled(c, name));
    const disabled = switches(next);
    if (!prev || !same(switches(prev), disabled)) {
      changed.push('protocols.switches');
      pipeline.filter.setDisabledProtocols(disabled);
      // gRPC is HTTP/2: its parser stays on while either is wanted.
      const parsed = L7_PROTOCOL_NAMES.filter(
        (name) =>
          name !== 'http1' &&
          !(name === 'http2'
            ? disabled.includes('http2') && disabled.includes('grpc')
            : disabled.includes(name as SwitchableProtocol)),
      );
      pipeline.tracker.setProtocols(parsed);
    }
    if (!prev || prev.sampling.l7Rate !== next.sampling.l7Rate) {
      changed.push('sampling.l7Rate');
      pipeline.filter.setSampleRate(next.sampling.l7Rate);
    }
    if (!prev || !same(prev.requestIdHeaders, next.requestIdHeaders)) {
      changed.push('requestIdHeaders');
      pipeline.tracker.requestIdHeaders.set(next.requestIdHeaders);
    }
    if (!prev || prev.spool.maxPendingRows !== next.spool.maxPendingRows) {
      changed.push('spool.maxPendingRows');
      shipper.setMaxPendingRows(next.spool.maxPendingRows);
    }
    if (!prev || !same(prev.limits, next.limits)) {
      changed.push('limits');
      monitor.setLimits(next.limits);
    }
    if (!prev || prev.checkinIntervalSeconds !== next.checkinIntervalSeconds) {
      // Read by the check-in loop when it schedules the next check-in.
      changed.push('checkinIntervalSeconds');
    }
    this.current = structuredClone(next);
    return { changed, settled };
  }
}
