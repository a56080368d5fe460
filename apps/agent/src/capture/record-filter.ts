import * as dns from 'node:dns';
import * as net from 'node:net';
import type { HttpRequestRecord, L7ProtocolName } from '../l7';

/**
 * FNV-1a over a connection's two endpoints, client first. Both observed sides of a connection (the client's
 * record and the server's) carry the same endpoints, so they hash alike: sampling keeps or drops a connection
 * whole, on this host and on the peer's. No allocation: strings are read by char code.
 */
export function connectionHash(clientAddr: string, clientPort: number, serverAddr: string, serverPort: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < clientAddr.length; i++) h = Math.imul(h ^ clientAddr.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (clientPort & 0xff), 0x01000193);
  h = Math.imul(h ^ (clientPort >>> 8), 0x01000193);
  for (let i = 0; i < serverAddr.length; i++) h = Math.imul(h ^ serverAddr.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (serverPort & 0xff), 0x01000193);
  h = Math.imul(h ^ (serverPort >>> 8), 0x01000193);
  // Final avalanche (murmur3 fmix32): FNV alone leaves the high bits weakly mixed for similar inputs.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The sampling hash of a connection from whichever side it is seen: its two endpoints in a fixed order (address,
 * then port), so the client's record, the server's record and either side's raw socket events, before anything
 * knows which side is the client, all hash alike.
 */
export function connectionSampleHash(aAddr: string, aPort: number, bAddr: string, bPort: number): number {
  return aAddr < bAddr || (aAddr === bAddr && aPort <= bPort)
    ? connectionHash(aAddr, aPort, bAddr, bPort)
    : connectionHash(bAddr, bPort, aAddr, aPort);
}

/** Why records were not shipped, by rule. */
export interface RecordFilterCounts {
  /** The agent's own traffic to its gateway: shipping it would feed back into itself. */
  ignoredSelf: number;
  /** Server port not in `protocols.http1.ports`. */
  filteredPort: number;
  /** Connection not in the `sampling.l7Rate` share. */
  sampledOut: number;
  /** HTTP/1 capture is off (`protocols.http1.enabled: false`). */
  http1Disabled: number;
  /** Another protocol's switch is off (`protocols.<name>.enabled: false`). */
  protocolDisabled: number;
}

/** Server endpoints (host:port) of a gateway URL as they appear in socket addresses. */
function gatewayEndpoints(ingestUrl: string): { port: number; hosts: string[] } {
  const u = new URL(ingestUrl);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { port, hosts: host === 'localhost' ? ['127.0.0.1', '::1'] : [host] };
}

/**
 * Decides per record whether it is shipped: the agent's own gateway traffic, the HTTP/1 switch, the server-port
 * filter and per-connection sampling, each counted. Settings change at runtime; the next record sees them.
 */
export class RecordFilter {
  readonly counts: RecordFilterCounts = {
    ignoredSelf: 0,
    filteredPort: 0,
    sampledOut: 0,
    http1Disabled: 0,
    protocolDisabled: 0,
  };
  private http1Enabled = true;
  /** Protocols (besides HTTP/1) whose rows are not shipped. */
  private disabled: ReadonlySet<L7ProtocolName> = new Set();
  /** One byte per port: a lookup with no hashing. null = every port. */
  private portMask: Uint8Array | null = null;
  private sampleThreshold = 2 ** 32;
  private selfPort = -1;
  private selfHosts: string[] = [];

  setHttp1(enabled: boolean, ports: readonly number[]): void {
    this.http1Enabled = enabled;
    if (ports.length === 0) {
      this.portMask = null;
      return;
    }
    const mask = new Uint8Array(65536);
    for (const p of ports) if (Number.isInteger(p) && p > 0 && p < 65536) mask[p] = 1;
    this.portMask = mask;
  }

  /** Protocols besides HTTP/1 whose rows are dropped (their parsers are switched off in the tracker too). */
  setDisabledProtocols(protocols: readonly L7ProtocolName[]): void {
    this.disabled = new Set(protocols);
  }

  /** Share of connections kept, 0..1. */
  setSampleRate(rate: number): void {
    const r = Math.min(1, Math.max(0, Number.isFinite(rate) ? rate : 1));
    this.sampleThreshold = r * 2 ** 32;
  }

  /** Whether sampling leaves connections out (a rate below 1). */
  get sampling(): boolean {
    return this.sampleThreshold < 2 ** 32;
  }

  /**
   * Whether the connection between these endpoints is in the sampled share: the same decision `accept` makes on
   * its records, taken before any byte is parsed.
   */
  keepsConnection(localAddr: string, localPort: number, remoteAddr: string, remotePort: number): boolean {
    return connectionSampleHash(localAddr, localPort, remoteAddr, remotePort) < this.sampleThreshold;
  }

  /**
   * The gateway the agent ships to: its traffic is never recorded. Sockets carry addresses, so a host name is
   * resolved (in the background: until then its records are not recognised as the agent's own).
   */
  setGateway(ingestUrl: string): void {
    const { port, hosts } = gatewayEndpoints(ingestUrl);
    this.selfPort = port;
    this.selfHosts = hosts;
    const name = hosts[0] as string;
    if (hosts.length === 1 && net.isIP(name) === 0) {
      dns.lookup(name, { all: true }, (err, addresses) => {
        // A later setGateway has moved on: its endpoints stand.
        if (err || this.selfPort !== port || this.selfHosts[0] !== name) return;
        this.selfHosts = [name, ...addresses.map((a) => a.address)];
      });
    }
  }

  get http1(): boolean {
    return this.http1Enabled;
  }

  accept(r: HttpRequestRecord): boolean {
    const c = this.counts;
    if (r.serverPort === this.selfPort && this.selfHosts.includes(r.serverAddr)) {
      c.ignoredSelf++;
      return false;
    }
    // The HTTP/1 switch and its server ports concern HTTP/1 rows only; other protocols are captured regardless.
    const http1 = r.protocol === undefined || r.protocol === 'http1';
    if (http1 && !this.http1Enabled) {
      c.http1Disabled++;
      return false;
    }
    if (!http1 && this.disabled.size > 0 && this.disabled.has(r.protocol as L7ProtocolName)) {
      c.protocolDisabled++;
      return false;
    }
    if (http1 && this.portMask !== null && this.portMask[r.serverPort] !== 1) {
      c.filteredPort++;
      return false;
    }
    if (
      this.sampleThreshold < 2 ** 32 &&
      connectionSampleHash(r.clientAddr, r.clientPort, r.serverAddr, r.serverPort) >= this.sampleThreshold
    ) {
      c.sampledOut++;
      return false;
    }
    return true;
  }
}
