import Ajv, { type ErrorObject } from 'ajv';

/**
 * The contract between the control plane and agents for check-in and configuration.
 *
 * An agent POSTs its status to AGENT_CHECKIN_PATH every `checkinIntervalSeconds` with
 * `If-None-Match: <etag of the configuration it runs>`. The gateway answers 304 when nothing changed, else 200
 * with a CheckinResponse. The ETag covers the configuration version and the assigned ingest gateway, so either
 * change reaches the agent on its next check-in. Agents apply a new configuration without restarting.
 */
export const AGENT_CHECKIN_PATH = '/v1/agent/checkin';

/** What an agent group's configuration controls. Every field is required: a stored version is complete. */
export interface AgentConfig {
  collectors: {
    /** eBPF request capture (AutoMetrics / request log). Off: the tracer is detached, nothing is captured. */
    l7Requests: boolean;
  };
  protocols: {
    http1: {
      enabled: boolean;
      /** Server ports to capture; empty means every port. */
      ports: number[];
    };
  } & Partial<Record<SwitchableProtocol, ProtocolSwitch>>;
  sampling: {
    /** Share of requests kept, 0..1 (1 keeps all). Sampling is per connection so a flow stays whole. */
    l7Rate: number;
  };
  /** Request headers whose value is recorded as the request id, in order of preference (lower-case names). */
  requestIdHeaders: string[];
  spool: {
    /** Rows the agent holds while the gateway is unreachable; beyond it the oldest rows are dropped (counted). */
    maxPendingRows: number;
  };
  limits: {
    /** The agent's own CPU budget, percent of one core. Over it for 10 s the agent pauses capture (degraded). */
    cpuPercent: number;
    /** The agent's own RSS budget. Over it the agent drops its spool and pauses capture (degraded). */
    memoryMb: number;
  };
  /** How often the agent checks in. */
  checkinIntervalSeconds: number;
  /**
   * Continuous CPU profiling. Optional so configurations stored before it existed stay valid; absent means
   * DEFAULT_PROFILING_CONFIG.
   */
  profiling?: ProfilingConfig;
  /**
   * Local OTLP/HTTP (traces, metrics) and Prometheus remote_write receiver, forwarded to the gateway with the
   * agent's credential. Optional so configurations stored before it existed stay valid; absent means
   * DEFAULT_SIGNAL_RECEIVER: off, and off means no listening port.
   */
  signalReceiver?: SignalReceiverConfig;
  /**
   * Host metrics from /proc and /sys (CPU, memory, disks, filesystems, network). Optional so configurations stored
   * before it existed stay valid; absent means DEFAULT_HOST_METRICS_CONFIG.
   */
  hostMetrics?: HostMetricsConfig;
  /**
   * L4 flow metrics from socket/TCP tracepoints (flow-log rows per connection per interval and at close). Optional
   * so configurations stored before it existed stay valid; absent means DEFAULT_L4_CONFIG.
   */
  l4?: L4Config;
  /** TLS capture through OpenSSL uprobes; absent means enabled. Takes effect when the tracer (re)attaches. */
  tls?: TlsConfig;
  /**
   * The socket tracer's kernel side. Optional so configurations stored before it existed stay valid; absent means
   * DEFAULT_EBPF_CONFIG. Takes effect when the tracer (re)attaches, which a change causes.
   */
  ebpf?: EbpfConfig;
  /**
   * Packet capture (AF_PACKET + socket filter): request-log rows with tap side `network`, the wire's view of each
   * request between the client's and the server's. Optional so configurations stored before it existed stay valid;
   * absent means DEFAULT_NETWORK_CAPTURE.
   */
  network?: { capture: NetworkCaptureConfig };
}

export interface NetworkCaptureConfig {
  enabled: boolean;
  /** Interface names; empty means every interface that is up when the capture (re)opens, `lo` included. */
  interfaces: string[];
  /** Bytes kept per packet from the IP header (headers + the start of the payload the L7 parsers read). */
  snaplen: number;
}

/**
 * Off unless a group turns it on: a third row per request (and its share of the rollups) on every captured interface,
 * and the capture's CPU, are a choice to make per fleet, like DeepFlow's per-group tap settings.
 */
export const DEFAULT_NETWORK_CAPTURE: NetworkCaptureConfig = Object.freeze({
  enabled: false,
  interfaces: [],
  snaplen: 512,
}) as NetworkCaptureConfig;

export interface EbpfConfig {
  /**
   * Size of the ring buffer the kernel programs write events into (MiB, a power of two, 1..256): the slack for the
   * moments the agent's poller is not scheduled. Locked kernel memory, and mapped into the agent (counted in its RSS
   * once written). 8 MiB holds ~0.3 s of 20k requests/s with full payloads; busy database hosts may want more.
   */
  ringBufferMb: number;
}

export const RING_BUFFER_MB_CHOICES = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;

export const DEFAULT_EBPF_CONFIG: EbpfConfig = Object.freeze({ ringBufferMb: 8 });

export interface TlsConfig {
  enabled: boolean;
}

export const DEFAULT_TLS_CONFIG: TlsConfig = Object.freeze({ enabled: true });

export interface L4Config {
  enabled: boolean;
  /** Seconds per flow-log row of a live connection; close rows ship within seconds regardless. */
  intervalSeconds: number;
}

export const DEFAULT_L4_CONFIG: L4Config = Object.freeze({
  enabled: true,
  intervalSeconds: 60,
});

export interface HostMetricsConfig {
  enabled: boolean;
  /** Seconds between collections; each row covers one interval. */
  intervalSeconds: number;
}

export const DEFAULT_HOST_METRICS_CONFIG: HostMetricsConfig = Object.freeze({
  enabled: true,
  intervalSeconds: 10,
});

export interface SignalReceiverConfig {
  enabled: boolean;
  /** `host:port` to listen on; loopback by default, since whatever reaches it writes as this agent's tenant. */
  listen: string;
}

export const DEFAULT_SIGNAL_RECEIVER: SignalReceiverConfig = Object.freeze({
  enabled: false,
  listen: '127.0.0.1:4318',
});

/** `host:port` (an IPv6 address in brackets), port 1–65535. */
export const LISTEN_ADDRESS_PATTERN =
  '^(\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9.-]{1,253}):(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})$';

export interface ProfilingConfig {
  /** Off: the perf events are detached and nothing is sampled. */
  enabled: boolean;
  /** Samples per second per CPU. */
  frequencyHz: number;
  /** Samples are aggregated into folded stacks per interval, one batch per interval. */
  intervalSeconds: number;
}

/** Protocols besides HTTP/1 that a configuration can turn off (absent means on). */
export const SWITCHABLE_PROTOCOLS = ['http2', 'grpc', 'dns', 'mysql', 'postgresql', 'redis', 'kafka', 'mqtt'] as const;
export type SwitchableProtocol = (typeof SWITCHABLE_PROTOCOLS)[number];

/**
 * One protocol's switch. Off: its connections are not parsed (they cost one look at their first bytes) and none of
 * its rows are shipped. gRPC rides on HTTP/2: turning gRPC off keeps HTTP/2 parsed but drops the gRPC rows.
 */
export interface ProtocolSwitch {
  enabled: boolean;
}

/** Whether a protocol is captured under `config` (absent switches mean on). */
export function protocolEnabled(config: AgentConfig, protocol: SwitchableProtocol): boolean {
  return config.protocols[protocol]?.enabled !== false;
}

export const DEFAULT_PROFILING_CONFIG: ProfilingConfig = Object.freeze({
  enabled: true,
  frequencyHz: 99,
  intervalSeconds: 10,
});

export const DEFAULT_AGENT_CONFIG: AgentConfig = Object.freeze({
  collectors: { l7Requests: true },
  protocols: { http1: { enabled: true, ports: [] } },
  sampling: { l7Rate: 1 },
  requestIdHeaders: ['x-request-id'],
  spool: { maxPendingRows: 200_000 },
  limits: { cpuPercent: 100, memoryMb: 1024 },
  checkinIntervalSeconds: 30,
}) as AgentConfig;

const HEADER_NAME = "^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$";

/** JSON Schema (draft-07) of AgentConfig: the control plane validates writes, the agent what it receives. */
export const agentConfigSchema = {
  $id: 'https://bathyscope.dev/schemas/agent-config.json',
  type: 'object',
  additionalProperties: false,
  required: ['collectors', 'protocols', 'sampling', 'requestIdHeaders', 'spool', 'limits', 'checkinIntervalSeconds'],
  properties: {
    collectors: {
      type: 'object',
      additionalProperties: false,
      required: ['l7Requests'],
      properties: { l7Requests: { type: 'boolean' } },
    },
    protocols: {
      type: 'object',
      additionalProperties: false,
      required: ['http1'],
      properties: {
        http1: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled', 'ports'],
          properties: {
            enabled: { type: 'boolean' },
            ports: {
              type: 'array',
              maxItems: 64,
              uniqueItems: true,
              items: { type: 'integer', minimum: 1, maximum: 65535 },
            },
          },
        },
        ...Object.fromEntries(
          SWITCHABLE_PROTOCOLS.map((name) => [
            name,
            {
              type: 'object',
              additionalProperties: false,
              required: ['enabled'],
              properties: { enabled: { type: 'boolean' } },
            },
          ]),
        ),
      },
    },
    sampling: {
      type: 'object',
      additionalProperties: false,
      required: ['l7Rate'],
      properties: { l7Rate: { type: 'number', minimum: 0, maximum: 1 } },
    },
    requestIdHeaders: {
      type: 'array',
      maxItems: 8,
      uniqueItems: true,
      items: { type: 'string', pattern: HEADER_NAME },
    },
    spool: {
      type: 'object',
      additionalProperties: false,
      required: ['maxPendingRows'],
      properties: { maxPendingRows: { type: 'integer', minimum: 1000, maximum: 5_000_000 } },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: ['cpuPercent', 'memoryMb'],
      properties: {
        cpuPercent: { type: 'integer', minimum: 5, maximum: 800 },
        memoryMb: { type: 'integer', minimum: 64, maximum: 65536 },
      },
    },
    checkinIntervalSeconds: { type: 'integer', minimum: 1, maximum: 300 },
    profiling: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'frequencyHz', 'intervalSeconds'],
      properties: {
        enabled: { type: 'boolean' },
        frequencyHz: { type: 'integer', minimum: 1, maximum: 1000 },
        intervalSeconds: { type: 'integer', minimum: 1, maximum: 300 },
      },
    },
    signalReceiver: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'listen'],
      properties: {
        enabled: { type: 'boolean' },
        listen: { type: 'string', maxLength: 262, pattern: LISTEN_ADDRESS_PATTERN },
      },
    },
    hostMetrics: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'intervalSeconds'],
      properties: {
        enabled: { type: 'boolean' },
        intervalSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
      },
    },
    l4: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'intervalSeconds'],
      properties: {
        enabled: { type: 'boolean' },
        intervalSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
      },
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled'],
      properties: { enabled: { type: 'boolean' } },
    },
    ebpf: {
      type: 'object',
      additionalProperties: false,
      required: ['ringBufferMb'],
      properties: { ringBufferMb: { type: 'integer', enum: RING_BUFFER_MB_CHOICES } },
    },
    network: {
      type: 'object',
      additionalProperties: false,
      required: ['capture'],
      properties: {
        capture: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled', 'interfaces', 'snaplen'],
          properties: {
            enabled: { type: 'boolean' },
            interfaces: {
              type: 'array',
              maxItems: 64,
              uniqueItems: true,
              items: { type: 'string', pattern: '^[A-Za-z0-9_.:@-]{1,15}$' },
            },
            snaplen: { type: 'integer', minimum: 128, maximum: 65535 },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false });
const validate = ajv.compile<AgentConfig>(agentConfigSchema);

export type AgentConfigVerdict = { ok: true; config: AgentConfig } | { ok: false; errors: string[] };

function describe(e: ErrorObject): string {
  const where = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  }
  if (e.keyword === 'enum') {
    return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  return `${where}: ${e.message ?? e.keyword}`;
}

/** Validates an untrusted configuration document; errors name the JSON pointer of each problem. */
export function validateAgentConfig(input: unknown): AgentConfigVerdict {
  if (validate(input)) return { ok: true, config: input };
  return { ok: false, errors: (validate.errors ?? []).slice(0, 20).map(describe) };
}

/** The status an agent reports at each check-in. The agent id comes from its credential, never from here. */
export interface AgentCheckinStatus {
  version: string;
  hostname: string;
  state: 'running' | 'degraded' | 'paused';
  /** Configuration version the agent runs (0 = built-in defaults). */
  configVersion: number;
  /** Why the agent rejected or could not fully apply the configuration it was sent, if it did. */
  configError: string | null;
  capabilities: {
    ok: boolean;
    kernel: string;
    btf: boolean;
    tracefs: boolean;
    /** eBPF programs attached right now (kprobe/tracepoint names). */
    programs: string[];
    problems: string[];
    /**
     * TLS capture (OpenSSL uprobes): the library probed (null when not attached, with the reason in `error`) and the
     * processes mapping it, i.e. whose HTTPS is seen in plaintext. Absent from agents that predate it.
     */
    tls?: { library: string | null; error: string | null; processes: { pid: number; comm: string }[] };
  };
  /** The agent's own process CPU (percent of one core, over the last interval) and RSS. */
  resources: { cpuPercent: number; rssBytes: number };
  /** Monotonic counters and gauges: ebpf.dropped, shipper.rows_pending (spool size), … */
  counters: Record<string, number>;
}

export const agentCheckinStatusSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'hostname', 'state', 'configVersion', 'configError', 'capabilities', 'resources', 'counters'],
  properties: {
    version: { type: 'string', maxLength: 32 },
    hostname: { type: 'string', maxLength: 255 },
    state: { type: 'string', enum: ['running', 'degraded', 'paused'] },
    configVersion: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
    configError: { type: ['string', 'null'], maxLength: 1000 },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      required: ['ok', 'kernel', 'btf', 'tracefs', 'programs', 'problems'],
      properties: {
        ok: { type: 'boolean' },
        kernel: { type: 'string', maxLength: 128 },
        btf: { type: 'boolean' },
        tracefs: { type: 'boolean' },
        programs: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 128 } },
        problems: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 500 } },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['library', 'error', 'processes'],
          properties: {
            library: { type: ['string', 'null'], maxLength: 4096 },
            error: { type: ['string', 'null'], maxLength: 500 },
            processes: {
              type: 'array',
              maxItems: 256,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['pid', 'comm'],
                properties: {
                  pid: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
                  comm: { type: 'string', maxLength: 64 },
                },
              },
            },
          },
        },
      },
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      required: ['cpuPercent', 'rssBytes'],
      properties: {
        cpuPercent: { type: 'number', minimum: 0, maximum: 100_000 },
        rssBytes: { type: 'integer', minimum: 0 },
      },
    },
    counters: {
      type: 'object',
      maxProperties: 128,
      propertyNames: { pattern: '^[a-zA-Z][a-zA-Z0-9_.]{0,63}$' },
      additionalProperties: { type: 'number', minimum: 0 },
    },
  },
} as const;

/** 200 answer to a check-in. */
export interface CheckinResponse {
  /** 0 when the agent has no group (or its group has no configuration yet): built-in defaults. */
  configVersion: number;
  config: AgentConfig;
  /** The ingest gateway this agent ships to (consistent hashing over healthy gateways). */
  ingestUrl: string;
  /** Same value as the ETag header. */
  etag: string;
}
