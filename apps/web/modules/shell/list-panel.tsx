import type { JSX, ReactNode } from 'react';
import tableStyles from './data-table.module.css';
import pageStyles from './page.module.css';

export interface ListPanelProps {
  /** How many items are on screen. */
  count: number;
  /** What is listed, singular and plural: `['key', 'keys']`. */
  noun: readonly [singular: string, plural: string];
  /** After the count once the whole list is on screen, e.g. "end of the log". */
  endNote: string;
  hasNextPage: boolean;
  /** The first page for the current query is loading: "Load more" waits. */
  loading: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  /** Rows from a previous query are shown while the next one loads. */
  stale?: boolean;
  /** Extra classes for the scrolling panel, e.g. how it shares the page's height. */
  className?: string;
  /** The table. */
  children: ReactNode;
}

/** A list table in its scrolling panel, with the count and "Load more" under it. */
export function ListPanel({
  count,
  noun,
  endNote,
  hasNextPage,
  loading,
  loadingMore,
  onLoadMore,
  stale = false,
  className,
  children,
}: ListPanelProps): JSX.Element {
  const classes = [tableStyles.tableScroll, stale ? tableStyles.stale : '', className ?? ''].filter(Boolean).join(' ');
  return (
    <div className={classes}>
      {children}
      {count > 0 && (
        <div className={pageStyles.tableFooter}>
          <span className={tableStyles.muted}>
            {count} {count === 1 ? noun[0] : noun[1]}
            {hasNextPage ? '' : ` · ${endNote}`}
          </span>
          {hasNextPage && (
            <button
              type="button"
              className="btn btn-secondary"
              onClick={onLoadMore}
              disabled={loadingMore || loading}
              aria-busy={loadingMore}
            >
              Load more
            </button>
          )}
        </div>
      )}
    </div>
  );
}
