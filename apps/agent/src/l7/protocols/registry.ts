import { DNS_SPEC } from './dns';
import { HTTP2_SPEC } from './http2';
import { KAFKA_SPEC } from './kafka';
import { MQTT_SPEC } from './mqtt';
import { MYSQL_SPEC } from './mysql';
import { POSTGRES_SPEC } from './postgres';
import type { ProtocolSpec } from './protocol-spec';
import { REDIS_SPEC } from './redis';

export type { ProtocolSpec } from './protocol-spec';

/**
 * Protocols recognised besides HTTP/1, in the order their `detect` runs on an undecided connection's chunks.
 * Each check is a constant-time look at the first bytes; the most specific (magic bytes, exact lengths) go first.
 */
export const PROTOCOL_SPECS: readonly ProtocolSpec[] = [
  HTTP2_SPEC,
  POSTGRES_SPEC,
  MYSQL_SPEC,
  REDIS_SPEC,
  KAFKA_SPEC,
  MQTT_SPEC,
  DNS_SPEC,
];

export interface DetectedProtocol {
  spec: ProtocolSpec;
  kind: 'request' | 'response';
}

export function detectProtocol(
  specs: readonly ProtocolSpec[],
  data: Buffer,
  totalLen: number,
): DetectedProtocol | null {
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i] as ProtocolSpec;
    const kind = spec.detect(data, totalLen);
    if (kind !== null) return { spec, kind };
  }
  return null;
}
