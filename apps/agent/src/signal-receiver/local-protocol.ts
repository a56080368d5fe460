import { LISTEN_ADDRESS_PATTERN } from '@bathyscope/wire';

/** What the receiver accepts on each path: the gateway's routes, with the same content types and encodings. */
export interface SignalRoute {
  path: string;
  protocol: 'otlp' | 'remote_write';
  /** Counter label. */
  signal: 'traces' | 'metrics' | 'remote_write';
  types: readonly string[];
  /** Accepted Content-Encoding values; `identity` also stands for no header. */
  encodings: readonly ('identity' | 'gzip' | 'snappy')[];
}

export const SIGNAL_ROUTES: Readonly<Record<string, SignalRoute>> = {
  '/v1/traces': {
    path: '/v1/traces',
    protocol: 'otlp',
    signal: 'traces',
    types: ['application/x-protobuf', 'application/json'],
    encodings: ['identity', 'gzip'],
  },
  '/v1/metrics': {
    path: '/v1/metrics',
    protocol: 'otlp',
    signal: 'metrics',
    types: ['application/x-protobuf', 'application/json'],
    encodings: ['identity', 'gzip'],
  },
  '/api/v1/write': {
    path: '/api/v1/write',
    protocol: 'remote_write',
    signal: 'remote_write',
    types: ['application/x-protobuf'],
    encodings: ['snappy'],
  },
};

/** Request headers passed on to the gateway; everything else (a client's own Authorization above all) stays here. */
export const FORWARDED_HEADERS = ['content-type', 'content-encoding', 'x-prometheus-remote-write-version'] as const;

/** The media type of a Content-Type header without parameters, lower-cased. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** `host:port` as the configuration schema allows it, split for `listen()`; null when it is not one. */
export function parseListenAddress(text: string): { host: string; port: number } | null {
  if (!new RegExp(LISTEN_ADDRESS_PATTERN).test(text)) return null;
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(text.slice(colon + 1)) };
}

/** The uncompressed length a snappy block announces in its header varint (-1 when the header is broken). */
export function snappyLength(block: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    const byte = block[i] as number;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  return -1;
}

/** google.rpc.Code for the statuses the receiver answers with (OTLP/HTTP error bodies are google.rpc.Status). */
function grpcCode(status: number): number {
  if (status === 413) return 8; // RESOURCE_EXHAUSTED
  if (status >= 500) return 14; // UNAVAILABLE
  if (status === 404 || status === 405) return 12; // UNIMPLEMENTED
  return 3; // INVALID_ARGUMENT
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** An answer: status, headers and body, in the protocol the client spoke. */
export interface LocalAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * An error in the client's protocol: OTLP gets google.rpc.Status (protobuf, encoded by hand — two fields — or
 * JSON), remote_write a line of text for Prometheus' log. The gateway's codes lead the message, as it does.
 */
export function errorAnswer(
  route: SignalRoute | undefined,
  json: boolean,
  status: number,
  code: string,
  message: string,
): LocalAnswer {
  const text = `${code}: ${message}`;
  if (route?.protocol === 'otlp' && !json) {
    const bytes = Buffer.from(text);
    const body = Buffer.from([0x08, grpcCode(status), 0x12, ...varint(bytes.length), ...bytes]);
    return { status, headers: { 'content-type': 'application/x-protobuf' }, body };
  }
  if (route?.protocol === 'otlp') {
    const body = Buffer.from(JSON.stringify({ code: grpcCode(status), message: text }));
    return { status, headers: { 'content-type': 'application/json' }, body };
  }
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${text}\n`) };
}

/** Accepted: an empty Export…ServiceResponse (protobuf or `{}`), or 204 for remote_write. */
export function acceptedAnswer(route: SignalRoute, json: boolean): LocalAnswer {
  if (route.protocol === 'remote_write') return { status: 204, headers: {}, body: Buffer.alloc(0) };
  return json
    ? { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }
    : { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.alloc(0) };
}
