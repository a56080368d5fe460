import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CapabilityReport, ensureTracefs, FlowMetrics, probeCapabilities } from '@bathyscope/native';
import type { AgentCheckinStatus } from '@bathyscope/wire';
import { DEFAULT_PROFILING_CONFIG } from '@bathyscope/wire';
import { CapturePipeline } from './capture/capture-pipeline';
import { type CaptureBackend, CaptureSwitch } from './capture/capture-switch';
import { SocketTracerBackend } from './capture/tracer-backend';
import { type CheckinOutcome, checkIn } from './checkin/checkin-client';
import { AgentConfigApplier, ringBufferMb } from './config/config-applier';
import { ConfigManager } from './config/config-manager';
import { ConfigStore } from './config/config-store';
import { ProcessSampler, type ResourceSample, SelfMonitor } from './config/self-monitor';
import type { AgentCredentialSource } from './credentials';
import { HostMetricsCollector, HostMetricsService, HostMetricsShipper } from './host-metrics';
import { ProcessIdentityCache } from './identity/process-identity-cache';
import { FlowShipper, L4FlowService } from './l4';
import { CpuProfiling } from './profiling/cpu-profiling';
import { annotateProcesses } from './profiling/process-identity';
import { ProfileShipper } from './profiling/profile-shipper';
import { NetworkCaptureService, NetworkPipeline } from './network-capture';
import { L7Shipper, type SpoolSettings } from './shipper/l7-shipper';
import { SignalReceiver } from './signal-receiver/signal-receiver';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  /** Gateway to use until the control plane assigns one: the enrolled one, or --ingest / BATHYSCOPE_INGEST_URL. */
  ingestUrl: string;
  /** Access tokens renewed with the agent's key (enrolled agents) or a legacy static credential. */
  credentials: AgentCredentialSource;
  stateDir: string;
  /** What captures traffic; default the eBPF socket tracer. */
  backend?: CaptureBackend;
  /** Measures the agent's own CPU and memory once a second; default this process. */
  sampler?: { sample(): ResourceSample };
  /** Where batches wait for the gateway; default a disk spool in `<stateDir>/agent/spool` with default bounds. */
  spool?: SpoolSettings;
  /** Host override of the local OTLP/remote_write receiver (`--signal-receiver`): `host:port` or `off`. */
  signalReceiver?: string;
}

/** A spool loss stays a problem in the status (and so in the console) this long after the last dropped batch. */
const SPOOL_LOSS_PROBLEM_MS = 10 * 60_000;

/** Consecutive failed check-ins to an assigned gateway before the agent falls back to its bootstrap gateway. */
const FALLBACK_AFTER_FAILURES = 3;
const STATUS_FILE_EVERY_TICKS = 5;

type Capabilities = Pick<CapabilityReport, 'ok' | 'kernel' | 'btf' | 'tracefs' | 'problems'>;

/**
 * The agent daemon: eBPF socket tracer → HTTP/1 parsing and pairing → filter → protobuf batches to the gateway,
 * steered by the configuration it receives when it checks in. When the kernel cannot run the tracer the agent
 * keeps running in a degraded state and says why, in its status file and in the status it reports.
 */
export class AgentRuntime {
  private readonly shipper: L7Shipper;
  /** Host metrics from /proc, shipped on their own stream; only with the real eBPF backend, like profiling. */
  private readonly hostMetrics: { service: HostMetricsService; shipper: HostMetricsShipper } | null;
  /** Process identity (cmdline, container, pod) of every request-log row's pid. */
  private readonly identities = new ProcessIdentityCache();
  private readonly profileShipper: ProfileShipper;
  /** Continuous CPU profiling; only with the real eBPF backend (specs with a recording backend skip it). */
  private readonly profiling: CpuProfiling | null;
  /** L4 flow metrics from socket/TCP tracepoints; only with the real eBPF backend, like profiling. */
  private readonly l4: { service: L4FlowService; shipper: FlowShipper } | null;
  private readonly signals: SignalReceiver;
  private readonly pipeline: CapturePipeline;
  /** Packet capture (tap side network); only with the real eBPF backend, like profiling. */
  private readonly network: NetworkCaptureService | null;
  private readonly backend: CaptureBackend;
  private readonly capture: CaptureSwitch;
  private readonly monitor: SelfMonitor;
  private readonly sampler: { sample(): ResourceSample };
  /** CPU between check-ins (the monitor's sampler measures per second). */
  private readonly intervalSampler = new ProcessSampler();
  private readonly configs: ConfigManager;
  private readonly bootstrapUrl: string;
  private ingestUrl: string;
  private capabilities: Capabilities = { ok: false, kernel: os.release(), btf: false, tracefs: false, problems: [] };
  private revoked: string | null = null;
  private lastCheckin: { at: string; outcome: CheckinOutcome['kind']; error: string | null } | null = null;
  private checkinFailures = 0;
  private counters = { checkinFailures: 0, gatewaySwitches: 0, spoolDropsForMemory: 0 };
  private checkinTimer: NodeJS.Timeout | undefined;
  /** Ends the wait for the next check-in early (stop). */
  private wakeCheckin: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private ticks = 0;
  private stopped = false;

  constructor(private readonly options: AgentOptions) {
    this.bootstrapUrl = options.ingestUrl;
    this.ingestUrl = options.ingestUrl;
    this.shipper = new L7Shipper({
      ingestUrl: options.ingestUrl,
      credentials: options.credentials,
      spool: options.spool ?? { dir: path.join(options.stateDir, 'agent', 'spool') },
    });
    this.pipeline = new CapturePipeline({
      enqueue: (row) => {
        this.identities.annotate(row);
        this.shipper.enqueue(row);
      },
    });
    if (options.backend) this.hostMetrics = null;
    else {
      const hostShipper = new HostMetricsShipper({
        ingestUrl: options.ingestUrl,
        credentials: options.credentials,
        spoolDir: options.spool?.dir === null ? null : path.join(options.stateDir, 'agent', 'spool-host'),
      });
      this.hostMetrics = {
        shipper: hostShipper,
        service: new HostMetricsService({
          collector: new HostMetricsCollector(),
          sink: hostShipper,
          config: () => this.configs.config.hostMetrics,
          onError: (err) => console.error(`agent: host metrics collection failed: ${(err as Error).message}`),
        }),
      };
    }
    this.profileShipper = new ProfileShipper({ ingestUrl: options.ingestUrl, credentials: options.credentials });
    const identify = (pid: number) => this.identities.lookup(pid);
    this.profiling = options.backend ? null : new CpuProfiling({ shipper: this.profileShipper, identify });
    if (options.backend) this.l4 = null;
    else {
      const flowShipper = new FlowShipper({
        ingestUrl: options.ingestUrl,
        credentials: options.credentials,
        spoolDir: options.spool?.dir === null ? null : path.join(options.stateDir, 'agent', 'spool-flows'),
      });
      this.l4 = {
        shipper: flowShipper,
        service: new L4FlowService({
          source: () => new FlowMetrics(),
          // The observing process's container and pod, as on request-log rows: the gateway tags that end with them.
          sink: {
            ship: (rows, pairs) => {
              annotateProcesses(rows, identify);
              annotateProcesses(pairs, identify);
              flowShipper.ship(rows, pairs);
            },
          },
          config: () => this.configs.config.l4,
          onError: (err) => console.error(`agent: L4 flow drain failed: ${(err as Error).message}`),
        }),
      };
    }
    this.signals = new SignalReceiver({
      gateway: () => this.ingestUrl,
      credentials: options.credentials,
      override: options.signalReceiver,
      userAgent: `bathyscope-agent/${AGENT_VERSION}`,
    });
    this.pipeline.filter.setGateway(options.ingestUrl);
    // Same filter (gateway traffic, switches, sampling) and clock as the socket rows: both views keep the same requests.
    this.network = options.backend
      ? null
      : new NetworkCaptureService(
          new NetworkPipeline(
            { enqueue: (row) => this.shipper.enqueue(row) },
            this.pipeline.filter,
            this.pipeline.clock,
          ),
          this.pipeline.tracker,
        );
    this.backend =
      options.backend ??
      new SocketTracerBackend(() => ({
        tls: this.configs.config.tls?.enabled ?? true,
        ringBufferBytes: ringBufferMb(this.configs.config) << 20,
      }));
    this.capture = new CaptureSwitch(
      this.backend,
      (events) => this.pipeline.onEvents(events),
      (open) => this.pipeline.setCapture(open),
    );
    this.sampler = options.sampler ?? new ProcessSampler();
    // Limits come with the configuration applied below; these hold only until then.
    this.monitor = new SelfMonitor({ cpuPercent: 100, memoryMb: 1024 });
    const applier = new AgentConfigApplier({
      pipeline: this.pipeline,
      shipper: this.shipper,
      capture: this.capture,
      monitor: this.monitor,
    });
    this.configs = new ConfigManager(new ConfigStore(options.stateDir), applier);
    // The control plane's last assignment, from before a restart.
    const assigned = this.configs.assignedIngestUrl;
    if (assigned) this.switchGateway(assigned);
  }

  async start(): Promise<void> {
    if (!this.options.backend) {
      try {
        ensureTracefs();
      } catch {
        // probeCapabilities reports the missing tracefs with what to do about it.
      }
      this.capabilities = probeCapabilities();
    } else {
      // Another backend (the specs' recording one) needs nothing from the kernel.
      this.capabilities = { ok: true, kernel: os.release(), btf: true, tracefs: true, problems: [] };
    }
    // Without what the tracer needs there is nothing to attach: no retry loop against a kernel that cannot.
    if (!this.capabilities.ok) await this.capture.hold('unsupported', true);
    await this.configs.start();
    this.hostMetrics?.service.start();
    this.l4?.service.start();
    this.tickNetwork();
    await this.profiling?.apply(this.configs.config.profiling ?? DEFAULT_PROFILING_CONFIG);
    await this.signals.apply(this.configs.config.signalReceiver);
    this.timers.push(
      setInterval(() => this.tick(), 1000),
      setInterval(() => this.pipeline.clock.resync(), 60_000),
    );
    this.writeStatusFile();
    void this.checkinLoop();
  }

  /** Capturing right now: the tracer is attached and capture is not paused. */
  get capturing(): boolean {
    return this.capture.attached && this.capture.wanted;
  }

  get gateway(): string {
    return this.ingestUrl;
  }

  /** `resources`: CPU over the check-in interval when checking in; the last per-second sample otherwise. */
  status(resources: ResourceSample | null = this.monitor.last): AgentCheckinStatus {
    const problems = [...this.capabilities.problems];
    if (this.capture.lastError) problems.push(this.capture.lastError);
    const paused = this.monitor.problem;
    if (paused) problems.push(paused);
    if (this.revoked) problems.push(this.revoked);
    if (this.profiling?.problem) problems.push(this.profiling.problem);
    if (this.l4?.service.problem) problems.push(this.l4.service.problem);
    if (this.network?.problem) problems.push(this.network.problem);
    if (this.stopped) problems.push('agent stopped');
    const losses = this.shipper.spool.losses;
    if (losses.lastDropAt !== null && Date.now() - losses.lastDropAt < SPOOL_LOSS_PROBLEM_MS) {
      problems.push(
        `spool full: ${losses.rowsDropped} rows dropped so far, oldest first (${losses.rowsDroppedAge} over the age bound), last at ${new Date(losses.lastDropAt).toISOString()}`,
      );
    }
    if (this.signals.problem) problems.push(this.signals.problem);
    if (this.shipper.spool.stats.lastWriteError) {
      problems.push(`spool cannot write to disk (${this.shipper.spool.stats.lastWriteError}): batches wait in memory`);
    }
    const config = this.configs.config;
    const wantsCapture = config.collectors.l7Requests;
    let state: AgentCheckinStatus['state'] = 'running';
    if (this.revoked || this.monitor.paused || this.stopped) state = 'paused';
    else if (!this.capabilities.ok || (wantsCapture && !this.capture.attached) || this.signals.problem)
      state = 'degraded';
    return {
      version: AGENT_VERSION,
      hostname: os.hostname().slice(0, 255),
      state,
      configVersion: this.configs.version,
      configError: this.configs.configError,
      capabilities: {
        ok: this.capabilities.ok && (this.capture.attached || !wantsCapture),
        kernel: this.capabilities.kernel.slice(0, 128),
        btf: this.capabilities.btf,
        tracefs: this.capabilities.tracefs,
        programs: [
          ...this.capture.programs(),
          ...(this.profiling?.programs() ?? []),
          ...(this.l4?.service.programs() ?? []),
          ...(this.network?.programs() ?? []),
        ].slice(0, 64),
        problems: problems.slice(0, 20).map((p) => p.slice(0, 500)),
        ...this.tlsCapability(),
      },
      resources: {
        cpuPercent: Math.min(100_000, Math.round((resources?.cpuPercent ?? 0) * 100) / 100),
        rssBytes: resources?.rssBytes ?? process.memoryUsage.rss(),
      },
      counters: this.counterValues(),
    };
  }

  /** TLS coverage for the status (which processes' HTTPS the OpenSSL uprobes see), when the tracer runs. */
  private tlsCapability(): { tls?: NonNullable<AgentCheckinStatus['capabilities']['tls']> } {
    const tls = this.backend instanceof SocketTracerBackend ? this.backend.tlsCoverage() : null;
    return tls === null ? {} : { tls };
  }

  private counterValues(): Record<string, number> {
    const tracer = this.backend instanceof SocketTracerBackend ? this.backend.stats() : undefined;
    const l7 = this.pipeline.tracker.stats();
    const filtered = this.pipeline.filter.counts;
    const ship = this.shipper.stats;
    return {
      'ebpf.submitted': tracer?.submitted ?? 0,
      'ebpf.dropped': tracer?.dropped ?? 0,
      'ebpf.delivered': tracer?.delivered ?? 0,
      'ebpf.user_dropped': tracer?.userDropped ?? 0,
      'ebpf.programs': this.capture.programs().length,
      'l7.records': l7.recordsEmitted,
      'l7.connections': l7.activeConnections,
      'l7.parse_errors': Object.values(l7.parseErrors).reduce((a, b) => a + b, 0),
      'l7.events_discarded': this.pipeline.eventsDiscarded,
      'l7.ignored_self': filtered.ignoredSelf,
      'l7.filtered_port': filtered.filteredPort,
      'l7.sampled_out': filtered.sampledOut,
      'l7.events_sampled_out': this.pipeline.eventsSampledOut,
      'l7.http1_disabled': filtered.http1Disabled,
      'l7.protocol_disabled': filtered.protocolDisabled,
      'shipper.rows_queued': ship.rowsQueued,
      'shipper.rows_shipped': ship.rowsShipped,
      'shipper.rows_dropped': ship.rowsDropped,
      'shipper.rows_pending': ship.pendingRows,
      'shipper.max_pending_rows': this.shipper.maxPendingRows,
      'shipper.batches_rejected': ship.batchesRejected,
      'shipper.retries': ship.retries,
      'shipper.gateway_switches': this.counters.gatewaySwitches,
      ...this.shipper.spoolCounters(),
      ...this.signals.counters(),
      'checkin.failures': this.counters.checkinFailures,
      'config.applied': this.configs.applied,
      'config.refused': this.configs.refused,
      'limits.pauses': this.monitor.pauses,
      'limits.spool_drops': this.counters.spoolDropsForMemory,
      'host.collections': this.hostMetrics?.service.collections ?? 0,
      'host.rows_shipped': this.hostMetrics?.shipper.stats.rowsShipped ?? 0,
      'host.rows_dropped': this.hostMetrics?.shipper.stats.rowsDropped ?? 0,
      'host.rows_pending': this.hostMetrics?.shipper.stats.pendingRows ?? 0,
      'profiling.samples': this.profiling?.counters.samples ?? 0,
      'profiling.dropped': this.profiling?.counters.dropped ?? 0,
      'profiling.batches_shipped': this.profileShipper.stats.batchesShipped,
      'profiling.batches_dropped': this.profileShipper.stats.batchesDropped + this.profileShipper.stats.batchesRejected,
      'profiling.interval_work_ms': this.profiling?.counters.lastIntervalWorkMs ?? 0,
      ...this.l4Counters(),
      ...this.network?.counters(),
    };
  }

  private l4Counters(): Record<string, number> {
    if (!this.l4) return {};
    const k = this.l4.service.stats;
    const ship = this.l4.shipper.stats;
    return {
      'l4.live_flows': k.liveFlows,
      'l4.rows_emitted': k.rowsEmitted,
      'l4.pairs_emitted': k.pairsEmitted,
      'l4.rows_shipped': ship.rowsShipped,
      'l4.rows_dropped': ship.rowsDropped + k.rowsDropped,
      'l4.rows_pending': ship.pendingRows,
      'l4.flows_evicted': k.evicted,
      'l4.close_lost': k.closeLost,
      'l4.drain_errors': k.drainErrors,
    };
  }

  private tick(): void {
    this.pipeline.tracker.expire(process.hrtime.bigint());
    const action = this.monitor.observe(this.sampler.sample());
    if (action === 'pause') void this.capture.hold('paused', true);
    else if (action === 'resume') void this.capture.hold('paused', false);
    // Over the memory budget the backlog leaves memory: to disk with a disk spool, else dropped (counted).
    if (this.monitor.overMemory && this.shipper.stats.pendingRows > 0) {
      if (this.shipper.relieveMemory() > 0) this.counters.spoolDropsForMemory++;
    }
    this.capture.tick();
    // A configuration change reaches the profiler within a second; an unchanged one costs a comparison.
    if (!this.revoked && !this.stopped)
      void this.profiling?.apply(this.configs.config.profiling ?? DEFAULT_PROFILING_CONFIG);
    this.tickNetwork();
    if (action !== 'none' || ++this.ticks % STATUS_FILE_EVERY_TICKS === 0) this.writeStatusFile();
  }

  /** Packet capture follows the configuration and the agent's pauses within a second. */
  private tickNetwork(): void {
    if (!this.network) return;
    this.network.hold(this.revoked !== null || this.stopped || this.monitor.paused);
    this.network.apply(this.configs.config.network?.capture);
    this.network.tick(process.hrtime.bigint());
  }

  private async checkinLoop(): Promise<void> {
    let followUp = false;
    while (!this.stopped && !this.revoked) {
      const accepted = await this.checkinOnce();
      if (this.stopped || this.revoked) return;
      // Report a newly applied configuration at once rather than an interval later (once: no loop on a bad gateway).
      const delay =
        accepted && !followUp ? 500 : this.configs.config.checkinIntervalSeconds * 1000 * (0.9 + Math.random() * 0.2);
      followUp = accepted && !followUp;
      await new Promise<void>((resolve) => {
        this.checkinTimer = setTimeout(resolve, delay);
        this.wakeCheckin = resolve;
      });
      this.wakeCheckin = undefined;
    }
  }

  /** One check-in and what follows from its answer. Returns whether a new configuration was accepted. */
  async checkinOnce(timeoutMs = 10_000): Promise<boolean> {
    const outcome = await checkIn({
      ingestUrl: this.ingestUrl,
      credentials: this.options.credentials,
      status: this.status(this.intervalSampler.sample()),
      etag: this.configs.etag,
      timeoutMs,
    });
    let error: string | null = null;
    let accepted = false;
    switch (outcome.kind) {
      case 'changed': {
        this.checkinFailures = 0;
        const errorBefore = this.configs.configError;
        const received = this.configs.receive(outcome.body, outcome.etag, this.ingestUrl);
        accepted = received.accepted;
        if (received.ingestUrl) this.switchGateway(received.ingestUrl);
        if (received.accepted && received.changed.length > 0) {
          console.log(`agent: configuration version ${this.configs.version} applied (${received.changed.join(', ')})`);
        } else if (!received.accepted && this.configs.configError !== errorBefore) {
          // Logged once: the gateway sends the same refused document at every check-in until it is fixed.
          console.error(`agent: ${this.configs.configError}`);
        }
        await received.settled;
        if (received.accepted) {
          await this.signals.apply(this.configs.config.signalReceiver);
          // Before the follow-up check-in reports the new version, so its program list is already the new one.
          if (!this.revoked && !this.stopped)
            await this.profiling?.apply(this.configs.config.profiling ?? DEFAULT_PROFILING_CONFIG);
        }
        break;
      }
      case 'unchanged':
        this.checkinFailures = 0;
        break;
      case 'unauthorized':
        // An expired or rotated access token: the next check-in (and batch) gets a fresh one.
        this.options.credentials.invalidate();
        error = `HTTP 401 ${outcome.code}: ${outcome.message}`;
        break;
      case 'revoked':
        this.revoke(outcome.message);
        error = `agent revoked: ${outcome.message}`;
        break;
      case 'refused':
        error = `HTTP ${outcome.status} ${outcome.code}: ${outcome.message}`;
        break;
      case 'unreachable':
        error = outcome.message;
        this.counters.checkinFailures++;
        // An assigned gateway that went away: the bootstrap gateway can tell where to go now.
        if (++this.checkinFailures >= FALLBACK_AFTER_FAILURES && this.ingestUrl !== this.bootstrapUrl) {
          console.error(`agent: gateway ${this.ingestUrl} unreachable; falling back to ${this.bootstrapUrl}`);
          this.switchGateway(this.bootstrapUrl);
          this.checkinFailures = 0;
        }
        break;
    }
    if (error && outcome.kind !== 'unreachable') this.counters.checkinFailures++;
    this.lastCheckin = { at: new Date().toISOString(), outcome: outcome.kind, error };
    this.writeStatusFile();
    return accepted;
  }

  private switchGateway(url: string): void {
    if (new URL(url).toString() === new URL(this.ingestUrl).toString()) return;
    this.ingestUrl = url;
    this.shipper.setIngestUrl(url);
    this.hostMetrics?.shipper.setIngestUrl(url);
    this.l4?.shipper.setIngestUrl(url);
    this.profileShipper.setIngestUrl(url);
    this.options.credentials.useGateway(url);
    this.pipeline.filter.setGateway(url);
    this.counters.gatewaySwitches++;
  }

  /** Revocation is final: nothing is captured or shipped any more; the status file says what to do. */
  private revoke(message: string): void {
    if (this.revoked) return;
    this.revoked = `agent was revoked by the control plane (${message}); re-enroll this host with a new enrollment token`;
    console.error(`agent: ${this.revoked}`);
    void this.capture.hold('revoked', true);
    void this.shipper.close(0);
    void this.hostMetrics?.service.stop().then(() => this.hostMetrics?.shipper.close(0));
    void this.l4?.service.stop().then(() => this.l4?.shipper.close(0));
    void this.profiling?.stop().then(() => this.profileShipper.close(0));
    void this.signals.close(0);
    this.network?.close();
  }

  private writeStatusFile(): void {
    const file = path.join(this.options.stateDir, 'agent', 'status.json');
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const body = {
        ...this.status(),
        at: new Date().toISOString(),
        ingestUrl: this.ingestUrl,
        revoked: this.revoked !== null,
        lastCheckin: this.lastCheckin,
        lastShipError: this.shipper.stats.lastError,
        lastSignalForwardError: this.signals.forwarder.stats.lastError,
      };
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
      fs.renameSync(tmp, file);
    } catch (err) {
      // A full or read-only disk must not stop capture; the gateway still gets the status.
      console.error(`agent: cannot write ${file}: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.checkinTimer) clearTimeout(this.checkinTimer);
    this.wakeCheckin?.();
    await this.capture.hold('stopping', true);
    // Flows closed now, so their last requests are queued before the shipper's final flush.
    this.network?.close();
    await this.signals.close();
    // The interval in progress is shipped, then the perf events are detached.
    await this.profiling?.stop();
    await this.profileShipper.close(2000);
    await this.hostMetrics?.service.stop();
    await this.hostMetrics?.shipper.close(2000);
    await this.l4?.service.stop();
    await this.l4?.shipper.close(2000);
    await this.shipper.close();
    // A last word so the console shows the agent stopping rather than going silent; short, shutdown is waiting.
    if (!this.revoked) await this.checkinOnce(2000);
    this.writeStatusFile();
  }
}
