import { limitExceeded } from '../signals/signal-error';
import type { AnyValue, KeyValue } from './otlp-types';

export const ATTRIBUTE_LIMITS = {
  /** Per span, event, resource or data point: the OTel SDKs' default attribute count limit. */
  maxAttributes: 128,
  maxKeyLength: 256,
  /** Longer values are truncated, as SDK attribute limits do (a whole SQL statement in db.statement). */
  maxValueLength: 16_384,
} as const;

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function plain(v: AnyValue | null | undefined): Plain {
  if (!v) return null;
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'intValue':
      // int64 beyond 2^53 keeps its digits as a string rather than a rounded number.
      return typeof v.intValue === 'bigint' ? v.intValue.toString() : (v.intValue ?? 0);
    case 'doubleValue':
      return Number.isFinite(v.doubleValue) ? (v.doubleValue as number) : String(v.doubleValue);
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(plain);
    case 'kvlistValue':
      return Object.fromEntries((v.kvlistValue?.values ?? []).map((kv) => [kv.key, plain(kv.value)]));
    default:
      return null;
  }
}

/** An attribute value as stored in a Map(String, String): scalars as text, arrays and maps as JSON. */
export function attributeText(v: AnyValue | null | undefined): string {
  const p = plain(v);
  const text = typeof p === 'string' ? p : p === null ? '' : JSON.stringify(p);
  return text.length > ATTRIBUTE_LIMITS.maxValueLength ? text.slice(0, ATTRIBUTE_LIMITS.maxValueLength) : text;
}

/**
 * Attributes → a string map. Over the count or key-length limit the request is refused (an attribute per user
 * id is an explosion the client must fix); a repeated key keeps its last value, as the SDKs do.
 */
export function attributeMap(kvs: readonly KeyValue[], where: string): Record<string, string> {
  if (kvs.length > ATTRIBUTE_LIMITS.maxAttributes) {
    throw limitExceeded(`${where}: ${kvs.length} attributes, at most ${ATTRIBUTE_LIMITS.maxAttributes}`);
  }
  const out: Record<string, string> = {};
  for (const kv of kvs) {
    if (kv.key.length > ATTRIBUTE_LIMITS.maxKeyLength) {
      throw limitExceeded(`${where}: attribute key longer than ${ATTRIBUTE_LIMITS.maxKeyLength} characters`);
    }
    if (kv.key === '') continue;
    out[kv.key] = attributeText(kv.value);
  }
  return out;
}
