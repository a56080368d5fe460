'use client';

import type { JSX, ReactNode } from 'react';
import { useHydrated } from '@/lib/use-hydrated';
import styles from './page.module.css';

export interface PageHeaderProps {
  /** The heading's id, which names the page's section. */
  headingId: string;
  title: string;
  /** A fetch started by "Refresh" is on its way. */
  refreshing: boolean;
  onRefresh: () => void;
  /** Other buttons, before "Refresh", e.g. "New policy". */
  children?: ReactNode;
}

/** A settings page's title row: the h1, then its buttons and "Refresh". */
export function PageHeader({ headingId, title, refreshing, onRefresh, children }: PageHeaderProps): JSX.Element {
  const hydrated = useHydrated();
  return (
    <header className={`${styles.header} ${styles.headerWithControls}`}>
      <h1 id={headingId} className={styles.title}>
        {title}
      </h1>
      <span className={styles.headerControls}>
        {children}
        <button
          type="button"
          className="btn btn-secondary"
          onClick={onRefresh}
          disabled={!hydrated || refreshing}
          aria-busy={refreshing}
        >
          Refresh
        </button>
      </span>
    </header>
  );
}
