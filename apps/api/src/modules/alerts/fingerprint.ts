/**
 * Alertmanager's fingerprint of a label set (prometheus/common model.LabelSet.Fingerprint): FNV-1a 64 over the
 * label names in sorted order, each name and value followed by the 0xff separator, as 16 hex digits. Stable for a
 * given set whatever the insertion order, and the same value Alertmanager would show for it.
 */
const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

export function fnv1a64(bytes: Iterable<number>, seed = OFFSET): bigint {
  let h = seed;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  return h;
}

export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const enc = new TextEncoder();
  const bytes: number[] = [];
  for (const name of Object.keys(labels).sort()) {
    bytes.push(...enc.encode(name), SEPARATOR, ...enc.encode(labels[name] as string), SEPARATOR);
  }
  return fnv1a64(bytes).toString(16).padStart(16, '0');
}
