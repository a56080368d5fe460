import { SourceError } from './source-types.js';

/**
 * Reading a paginated listing completely or not at all. Sources share this so every one of them turns a failure
 * after the first page into `partial` (the engine must not apply a short listing and tombstone what it missed).
 */

/** One page: its items and the cursor of the next page (undefined on the last page). */
export interface Page<T> {
  items: T[];
  next: string | undefined;
}

export interface ReadAllPagesOptions<T> {
  /** Names the listing in messages (`DescribeInstances in us-east-1`). */
  what: string;
  fetchPage: (cursor: string | undefined, page: number) => Promise<Page<T>>;
  onItems: (items: T[]) => void;
  /** Turns whatever fetchPage threw into a SourceError. */
  toSourceError: (err: unknown) => SourceError;
  /** Bound on pages so a server that keeps answering with new cursors cannot keep us busy forever. */
  maxPages: number;
  signal?: AbortSignal;
}

export async function readAllPages<T>(o: ReadAllPagesOptions<T>): Promise<number> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (let page = 1; ; page++) {
    o.signal?.throwIfAborted();
    let result: Page<T>;
    try {
      result = await o.fetchPage(cursor, page);
    } catch (err) {
      o.signal?.throwIfAborted();
      const e = o.toSourceError(err);
      throw page === 1 ? e : partialListing(e, o.what, page);
    }
    o.onItems(result.items);
    if (result.next === undefined) return page;
    // A cursor seen before would loop forever; a server doing that is answering nonsense.
    if (seen.has(result.next)) {
      throw partialListing(new SourceError(`${o.what}: cursor repeated`, 'malformed', true), o.what, page + 1);
    }
    if (page >= o.maxPages) {
      throw partialListing(
        new SourceError(`${o.what}: more than ${o.maxPages} pages`, 'malformed', false),
        o.what,
        page + 1,
      );
    }
    seen.add(result.next);
    cursor = result.next;
  }
}

/** A failure after earlier pages were read: the listing is incomplete, so it must not be applied. */
export function partialListing(cause: SourceError, what: string, page: number): SourceError {
  const err = new SourceError(
    `${what}: page ${page} failed after ${page - 1} page(s) were read (${cause.code}: ${cause.message})`,
    'partial',
    cause.retryable,
    cause.retryAfterMs,
  );
  err.cause = cause;
  return err;
}

/** `Retry-After` as milliseconds (delta-seconds or HTTP-date), or undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
