import type { JSX, ReactNode } from 'react';
import styles from './data-table.module.css';

export interface DataTableColumn {
  label: string;
  /** Right-aligned, for numbers. */
  numeric?: boolean;
  /** Named for screen readers only, e.g. a column of row actions. */
  hideLabel?: boolean;
}

export interface DataTableProps {
  /** The table's accessible name, in a visually hidden caption. */
  caption: string;
  columns: readonly DataTableColumn[];
  /** Body rows, one or more `<tr>` each; while there are none, a row saying why stands in. */
  rows: readonly ReactNode[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  /** Status row while loading, e.g. "Loading agents…". */
  loadingTitle: string;
  /** Status row when the fetch found nothing: a title and what to do about it. */
  emptyTitle: string;
  emptyHint: ReactNode;
  /** Tighter rows, for long lists. */
  dense?: boolean;
  /** For rules of the caller's own, e.g. which rows light up under the pointer. */
  className?: string;
}

/** A list table with sticky column headings; put it in a `.tableScroll` panel. */
export function DataTable({
  caption,
  columns,
  rows,
  loading,
  loadingTitle,
  emptyTitle,
  emptyHint,
  dense = false,
  className,
}: DataTableProps): JSX.Element {
  const tableClassName = [styles.table, dense ? styles.dense : undefined, className].filter(Boolean).join(' ');
  return (
    <table className={tableClassName} aria-busy={loading}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.label} scope="col" className={column.numeric ? styles.numeric : undefined}>
              {column.hideLabel ? <span className="visually-hidden">{column.label}</span> : column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length > 0 ? (
          rows
        ) : (
          <tr>
            <td colSpan={columns.length} className={styles.statusCell}>
              {loading ? (
                <p className={styles.statusTitle}>{loadingTitle}</p>
              ) : (
                <>
                  <p className={styles.statusTitle}>{emptyTitle}</p>
                  <p className={styles.statusHint}>{emptyHint}</p>
                </>
              )}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
