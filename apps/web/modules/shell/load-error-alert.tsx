import type { JSX } from 'react';
import type { LoadError } from '@/lib/load-error';
import styles from './page.module.css';

export interface LoadErrorAlertProps {
  /** e.g. "Could not load agents." */
  title: string;
  error: LoadError | null;
}

/** Why a page's data is missing or stale. Nothing for a lost session: the page is leaving for sign-in. */
export function LoadErrorAlert({ title, error }: LoadErrorAlertProps): JSX.Element | null {
  if (error === null || error.code === 'UNAUTHENTICATED') return null;
  return (
    <div role="alert" className={styles.alert}>
      <strong>{title}</strong> {error.message}
    </div>
  );
}
