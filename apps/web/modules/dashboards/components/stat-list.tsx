import type { JSX } from 'react';
import styles from '../dashboards.module.css';

/** Headline figures above the charts, as a description list (label, value). */
export function StatList({ label, stats }: { label: string; stats: ReadonlyArray<[string, string]> }): JSX.Element {
  return (
    <dl className={styles.stats} aria-label={label}>
      {stats.map(([name, value]) => (
        <div key={name} className={styles.stat}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
