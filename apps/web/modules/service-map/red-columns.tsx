import type { JSX } from 'react';
import { formatLatency, formatPercent, formatRate } from './service-map-format';
import type { Red } from './service-map.queries';
import styles from './red-table.module.css';

/** The class of a RED table (`<table className={redTableClass}>`), whose numeric cells align right. */
export const redTableClass = styles.table;
export const numericCellClass = styles.numeric;

/** Rate, errors and the three latency percentiles: the column heads every RED table ends with. */
export function RedHeaders({ rateLabel = 'Rate' }: { rateLabel?: string }): JSX.Element {
  return (
    <>
      {[rateLabel, 'Errors', 'p50', 'p95', 'p99'].map((head) => (
        <th key={head} scope="col" className={styles.numeric}>
          {head}
        </th>
      ))}
    </>
  );
}

/** The cells under {@link RedHeaders} for one row. */
export function RedCells({ red }: { red: Red }): JSX.Element {
  return (
    <>
      <td className={styles.numeric}>{formatRate(red.requestRate)}</td>
      <td className={styles.numeric}>{formatPercent(red.errorRate)}</td>
      <td className={styles.numeric}>{formatLatency(red.latencyP50Us)}</td>
      <td className={styles.numeric}>{formatLatency(red.latencyP95Us)}</td>
      <td className={styles.numeric}>{formatLatency(red.latencyP99Us)}</td>
    </>
  );
}
