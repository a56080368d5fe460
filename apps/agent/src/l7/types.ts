/** Protocols the tracker infers from connection bytes. */
export type L7ProtocolName = 'http1' | 'http2' | 'grpc' | 'dns' | 'mysql' | 'postgresql' | 'redis' | 'kafka' | 'mqtt';

export const L7_PROTOCOL_NAMES: readonly L7ProtocolName[] = [
  'http1',
  'http2',
  'grpc',
  'dns',
  'mysql',
  'postgresql',
  'redis',
  'kafka',
  'mqtt',
];

/**
 * One request/response exchange of any protocol as seen from one side of one connection. The HTTP/1 field names
 * carry every protocol: `method` is the request type (HTTP method, Redis command, SQL verb, DNS query type, Kafka
 * API, MQTT packet type), `path` the resource (URL, Redis command line, SQL statement, DNS name, topic), `host` the
 * domain (Host header, database, DNS name), `status` the protocol's numeric result (HTTP status, DNS rcode, MySQL
 * error code, Kafka error code, MQTT reason code).
 */
export interface L7Record {
  /** Absent on HTTP/1 records (their shape predates the other protocols): absent means 'http1'. */
  protocol?: L7ProtocolName;
  /**
   * The unit of RED metrics: `SELECT users`, `GET` (Redis), `Produce orders`, the DNS name, `/pkg.Svc/Method`.
   * Absent on HTTP/1 records: the wire conversion derives it from method and path (`GET /users/{id}`).
   */
  endpoint?: string;
  /** CLOCK_MONOTONIC ns of the syscall that carried the request's first byte. */
  startNs: bigint;
  /**
   * Monotonic ns of the syscall that carried the final response's first byte (endNs >= startNs).
   * For timeouts: the moment the request timed out (last request activity + timeout).
   * When no response was seen (close, eviction, lost sync): the time the request was given up.
   */
  endNs: bigint;
  /** Monotonic ns of the syscall that carried the response's last byte (>= endNs). */
  responseEndNs: bigint;
  pid: number;
  /** Thread that carried the request (the event on which the request head completed). */
  tid: number;
  processName: string;
  /** Observation point: this process wrote the request (client) or read it (server). */
  side: 'client' | 'server';
  clientAddr: string;
  clientPort: number;
  serverAddr: string;
  serverPort: number;
  method: string;
  /** Request target as sent (query string kept), latin1-decoded, capped at 1024 characters. */
  path: string;
  /** Host header or ''. */
  host: string;
  /** Protocol version: '1.0' / '1.1' for HTTP/1, '2' for HTTP/2, '3.0' for PostgreSQL, '' when unknown. */
  version: string;
  /** Final (non-1xx, except 101) response status; 0 when none was seen. */
  status: number;
  responseStatus: HttpResponseStatus;
  /** Whole request message on the wire (head + body, body counted from totalLen so uncaptured bytes count). */
  requestBytes: number;
  /** Whole response on the wire, including interim 1xx responses that preceded the final one. */
  responseBytes: number;
  userAgent?: string;
  /** Value of the most preferred request-id header present (`requestIdHeaders`, default x-request-id). */
  xRequestId?: string;
  traceparent?: string;
  /** Added: socket fd in the observed process. */
  fd: number;
  /**
   * AutoTracing (DeepFlow's syscall_trace_id_request/response): the kernel's per-thread trace id on the syscall that
   * carried the request's first byte and on the one that carried the response's first byte; 0 when none. A server
   * row's ids equal those of the client rows of the outbound requests it made while serving it (same thread).
   */
  syscallTraceIdRequest?: number;
  syscallTraceIdResponse?: number;
  /** TCP sequence numbers of the request's and the response's first bytes: equal on both ends of a connection. */
  reqTcpSeq?: number;
  respTcpSeq?: number;
  /** The bytes were the plaintext of a TLS connection (seen by the TLS library uprobes). */
  isTls?: boolean;
  /**
   * Added: true when part of the exchange was not observed — response lost to a capture gap,
   * connection closed or evicted before the response completed, or the request timed out.
   */
  truncated: boolean;
}

/** The record's name from when HTTP/1 was the only protocol; every protocol emits this shape. */
export type HttpRequestRecord = L7Record;

export type HttpResponseStatus = 'ok' | 'client_error' | 'server_error' | 'timeout' | 'unknown';

/** Why the parser gave up on a message; every value is counted in `L7Stats.parseErrors`. */
export type Http1ErrorReason =
  /** A message did not start with a valid request line / status line where one was expected. */
  | 'invalid_start_line'
  /** Header section (start line + headers) exceeded `maxHeaderBytes`. */
  | 'header_too_large'
  /** A header line without ':' or an empty line in the middle of the header section. */
  | 'invalid_header'
  /** Content-Length that is not a number or that conflicts with another Content-Length. */
  | 'invalid_content_length'
  /** Request with a Transfer-Encoding whose final coding is not chunked (length unknowable). */
  | 'invalid_transfer_encoding'
  /** Chunk-size line that is not hex, too long, or too large. */
  | 'invalid_chunk_size'
  /** Chunk data not followed by CRLF. */
  | 'invalid_chunk_terminator'
  /** Trailer section exceeded `maxHeaderBytes`. */
  | 'trailers_too_large'
  /** Bytes were transferred but not captured where the parser could not skip them (lost sync). */
  | 'gap_lost_sync'
  /** An exception escaped the parser (a bug); the direction was reset. */
  | 'internal';

export const HTTP1_ERROR_REASONS: readonly Http1ErrorReason[] = [
  'invalid_start_line',
  'header_too_large',
  'invalid_header',
  'invalid_content_length',
  'invalid_transfer_encoding',
  'invalid_chunk_size',
  'invalid_chunk_terminator',
  'trailers_too_large',
  'gap_lost_sync',
  'internal',
];

export interface L7Stats {
  recordsEmitted: number;
  /** Records not kept because no `onRecord` callback was given and the drain buffer was full. */
  recordsDropped: number;
  /** Records emitted with responseStatus 'timeout'. */
  timeouts: number;
  /** Data events whose totalLen exceeded the captured data, and the uncaptured bytes. */
  gaps: number;
  gapBytes: number;
  /** Times a direction parser lost sync (error or unskippable gap) and bytes skipped until it resynchronised. */
  desyncs: number;
  resyncs: number;
  resyncSkippedBytes: number;
  parseErrors: Record<Http1ErrorReason, number>;
  /** Responses with no outstanding request to pair with (request lost, or tracing started mid-exchange). */
  orphanResponses: number;
  /** Requests dropped because more than `maxPipelinedRequests` were outstanding on one connection. */
  pipelineOverflows: number;
  /** Connections evicted because `maxConnections` were tracked (least recently used first). */
  evictions: number;
  httpConnections: number;
  /** Connections on which no protocol (HTTP/1 nor any in `protocols/`) was recognised within `detectChunks` chunks. */
  nonHttpConnections: number;
  /** Connections recognised per non-HTTP/1 protocol (HTTP/1 ones are `httpConnections`). */
  protocolConnections: Record<L7ProtocolName, number>;
  /**
   * Protocol parsers (not HTTP/1, whose failures are `parseErrors`) that lost message framing (bad bytes, a gap
   * inside a header, a message over the buffer cap) and skipped data until a chunk started a message again.
   */
  protocolDesyncs: Record<L7ProtocolName, number>;
  /** Connections switched to another protocol (101 Switching Protocols, CONNECT tunnel); no longer parsed. */
  upgradedConnections: number;
  activeConnections: number;
}

export interface ConnectionTrackerOptions {
  /** Called for every finished record. Without it records accumulate for `drain()`. */
  onRecord?: (record: L7Record) => void;
  /** A request with no response after this long (since its last byte was seen) is emitted as 'timeout'. Default 30 s. */
  requestTimeoutNs?: bigint;
  /** Tracked connections (HTTP and non-HTTP markers); least recently used is evicted beyond this. Default 65536. */
  maxConnections?: number;
  /** Outstanding (unanswered) requests per connection. Default 128. */
  maxPipelinedRequests?: number;
  /** Cap on start line + headers, and on trailers. Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Records kept for `drain()` when there is no `onRecord`. Default 65536. */
  maxBufferedRecords?: number;
  /**
   * Data chunks (of either direction) whose first bytes may fail to look like HTTP/1.x before the
   * connection is declared non-HTTP and ignored. 1 = decide on the very first chunk. Default 3, so a
   * connection first seen mid-body (agent started or connection evicted mid-transfer) gets a chance
   * to show the next message; each try is a constant-time look at a few bytes.
   */
  detectChunks?: number;
  /** Request headers recorded as `xRequestId`, most preferred first (case-insensitive). Default ['x-request-id']. */
  requestIdHeaders?: readonly string[];
  /**
   * Protocols recognised besides HTTP/1 (default: all of `protocols/registry.ts`). A disabled protocol's
   * connections are marked unknown after detection and ignored, so they cost one look at their first bytes.
   */
  protocols?: readonly L7ProtocolName[];
  /** Bytes buffered per direction of a non-HTTP/1 connection for an incomplete message head. Default 16 KiB. */
  maxMessageBufferBytes?: number;
}
