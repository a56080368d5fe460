import Link from 'next/link';
import type { JSX } from 'react';
import styles from './login.module.css';

export interface LinkProblemPanelProps {
  /** Why the emailed link cannot be used, e.g. "This invitation has expired." */
  title: string;
  detail: string;
  /** Where to go next, when there is somewhere: `{ href: '/login', label: 'Sign in' }`. */
  next?: { href: string; label: string };
}

/** Stands in for an emailed link's form when the link cannot be used: why, and where to go next. */
export function LinkProblemPanel({ title, detail, next }: LinkProblemPanelProps): JSX.Element {
  return (
    <div className={styles.linkProblem}>
      <div className={styles.error} role="alert">
        <p>
          <strong>{title}</strong>
        </p>
        <p>{detail}</p>
      </div>
      {next !== undefined && (
        <Link href={next.href} className={styles.nextLink}>
          {next.label}
        </Link>
      )}
    </div>
  );
}
