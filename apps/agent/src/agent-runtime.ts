import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CapabilityReport, ensureTracefs, probeCapabilities, SocketTracer } from '@bathyscope/native';
import { toWireRow, WallClock } from './capture/to-wire';
import type { AgentCredentialSource } from './credentials';
import { ConnectionTracker } from './l7';
import { L7Shipper } from './shipper/l7-shipper';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  ingestUrl: string;
  /** Access tokens renewed with the agent's key (enrolled agents) or a legacy static credential. */
  credentials: AgentCredentialSource;
  stateDir: string;
  statusIntervalMs?: number;
}

/** Server endpoints whose traffic the agent must not record: its own exports would feed back into itself. */
function selfEndpoints(ingestUrl: string): Set<string> {
  const u = new URL(ingestUrl);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const hosts = u.hostname === 'localhost' ? ['127.0.0.1', '::1'] : [u.hostname.replace(/^\[|\]$/g, '')];
  return new Set(hosts.map((h) => `${h}:${port}`));
}

/**
 * The agent daemon: eBPF socket tracer → HTTP/1 parsing and pairing → protobuf batches to the gateway.
 * When the kernel cannot run the tracer the agent keeps running in a degraded state and says why, in its
 * status file and in the status it reports (which the console shows).
 */
export class AgentRuntime {
  private tracer: SocketTracer | undefined;
  private readonly tracker: ConnectionTracker;
  private readonly shipper: L7Shipper;
  private readonly clock = new WallClock();
  private readonly ignoredServers: Set<string>;
  private capabilities: Pick<CapabilityReport, 'ok' | 'kernel' | 'btf' | 'tracefs' | 'problems'> = {
    ok: false,
    kernel: os.release(),
    btf: false,
    tracefs: false,
    problems: [],
  };
  private startError: string | null = null;
  private timers: NodeJS.Timeout[] = [];
  private recordsIgnored = 0;

  constructor(private readonly options: AgentOptions) {
    this.ignoredServers = selfEndpoints(options.ingestUrl);
    this.shipper = new L7Shipper({ ingestUrl: options.ingestUrl, credentials: options.credentials });
    this.tracker = new ConnectionTracker({
      onRecord: (record) => {
        if (this.ignoredServers.has(`${record.serverAddr}:${record.serverPort}`)) {
          this.recordsIgnored++;
          return;
        }
        this.shipper.enqueue(toWireRow(record, this.clock));
      },
    });
  }

  async start(): Promise<void> {
    try {
      ensureTracefs();
    } catch {
      // probeCapabilities reports the missing tracefs with what to do about it.
    }
    this.capabilities = probeCapabilities();
    if (this.capabilities.ok) {
      try {
        this.tracer = new SocketTracer({});
        await this.tracer.start((events) => this.tracker.pushAll(events));
      } catch (err) {
        this.tracer = undefined;
        this.startError = `eBPF socket tracer failed to start: ${(err as Error).message}`;
      }
    }
    this.timers.push(
      setInterval(() => this.tracker.expire(process.hrtime.bigint()), 1000),
      setInterval(() => this.clock.resync(), 60_000),
      setInterval(() => void this.reportStatus(), this.options.statusIntervalMs ?? 10_000),
    );
    await this.reportStatus();
  }

  get capturing(): boolean {
    return this.tracer?.running ?? false;
  }

  status() {
    const problems = [...this.capabilities.problems];
    if (this.startError) problems.push(this.startError);
    const tracer = this.tracer?.stats();
    const l7 = this.tracker.stats();
    const counters: Record<string, number> = {
      'ebpf.submitted': tracer?.submitted ?? 0,
      'ebpf.dropped': tracer?.dropped ?? 0,
      'ebpf.delivered': tracer?.delivered ?? 0,
      'ebpf.user_dropped': tracer?.userDropped ?? 0,
      'l7.records': l7.recordsEmitted,
      'l7.ignored_self': this.recordsIgnored,
      'l7.connections': l7.activeConnections,
      'shipper.rows_shipped': this.shipper.stats.rowsShipped,
      'shipper.rows_dropped': this.shipper.stats.rowsDropped,
      'shipper.rows_pending': this.shipper.stats.pendingRows,
      'shipper.retries': this.shipper.stats.retries,
      'process.rss_bytes': process.memoryUsage.rss(),
    };
    return {
      version: AGENT_VERSION,
      hostname: os.hostname(),
      state: (this.capturing ? 'running' : 'degraded') as 'running' | 'degraded',
      capabilities: {
        ok: this.capabilities.ok && this.capturing,
        kernel: this.capabilities.kernel,
        btf: this.capabilities.btf,
        tracefs: this.capabilities.tracefs,
        problems,
      },
      counters,
    };
  }

  private async reportStatus(): Promise<void> {
    const status = this.status();
    const file = path.join(this.options.stateDir, 'agent', 'status.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      `${JSON.stringify({ ...status, at: new Date().toISOString(), lastShipError: this.shipper.stats.lastError }, null, 2)}\n`,
    );
    try {
      const res = await fetch(new URL('/v1/agent/status', this.options.ingestUrl), {
        method: 'POST',
        headers: { authorization: await this.options.credentials.authorization(), 'content-type': 'application/json' },
        body: JSON.stringify(status),
        signal: AbortSignal.timeout(5000),
      });
      await res.text();
      // An expired or rotated access token: the next report (and batch) gets a fresh one.
      if (res.status === 401) this.options.credentials.invalidate();
    } catch {
      // The gateway may be down; the next report retries and the status file still tells the truth.
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.tracer?.close();
    this.tracker.closeAll(process.hrtime.bigint());
    await this.shipper.close();
    await this.reportStatus();
  }
}
