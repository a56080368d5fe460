import type { JSX } from 'react';
import styles from './api-unavailable.module.css';

export interface ApiUnavailableViewProps {
  /** e.g. "Cannot reach the Bathyscope API at http://127.0.0.1:4000." */
  message: string;
  /** Where "Try again" goes; a full page load, so the server asks the API again. */
  retryHref: string;
}

export function ApiUnavailableView({ message, retryHref }: ApiUnavailableViewProps): JSX.Element {
  return (
    <div className={styles.wrap}>
      <div className={styles.panel} role="alert">
        <h1 className={styles.title}>Bathyscope is unavailable</h1>
        <p className={styles.message}>{message}</p>
        <p className={styles.hint}>
          Check that the API is running and that the console was started with <code>API_URL</code> pointing at it.
        </p>
        <p className={styles.links}>
          <a className="btn btn-primary" href={retryHref}>
            Try again
          </a>
          <a className="btn btn-secondary" href="/login">
            Go to sign-in
          </a>
        </p>
      </div>
    </div>
  );
}
