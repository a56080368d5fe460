import { RESOURCE_KINDS, type ResourceKind } from '@bathyscope/clickhouse';

/** Index of each kind in a tag vector (the order of `RESOURCE_KINDS`, which is the tag columns' order too). */
export const KIND_INDEX: Readonly<Record<ResourceKind, number>> = Object.fromEntries(
  RESOURCE_KINDS.map((k, i) => [k, i]),
) as Record<ResourceKind, number>;

/**
 * The resource ids one side of an exchange is tagged with, one slot per kind (0 = unknown). A typed array, so
 * tagging a row copies 11 integers instead of building an object.
 */
export type TagVector = Uint32Array;

export const emptyTags = (): TagVector => new Uint32Array(RESOURCE_KINDS.length);

export function isResourceKind(kind: string): kind is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(kind);
}

/** Column names per side, built once: `client_host_id` … */
export const TAG_COLUMNS = {
  '': RESOURCE_KINDS.map((k) => `${k}_id`),
  client_: RESOURCE_KINDS.map((k) => `client_${k}_id`),
  server_: RESOURCE_KINDS.map((k) => `server_${k}_id`),
} as const;

/** Writes a tag vector's non-zero slots onto a storage row (zero is the columns' default). */
export function writeTags(row: Record<string, unknown>, columns: readonly string[], tags: TagVector): void {
  for (let k = 0; k < tags.length; k++) {
    const id = tags[k] as number;
    if (id !== 0) row[columns[k] as string] = id;
  }
}

/** Fills the zero slots of `into` from `from`. */
export function fillTags(into: TagVector, from: TagVector): void {
  for (let k = 0; k < into.length; k++) if (into[k] === 0) into[k] = from[k] as number;
}

/** `YYYY-MM-DD hh:mm:ss.sss` in UTC, what a DateTime64(3, 'UTC') column reads unambiguously. */
export function chDateTime64(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 23);
}
