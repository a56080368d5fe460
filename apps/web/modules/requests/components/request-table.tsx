import type { JSX } from 'react';
import type { RequestLog } from '../request-log.queries';
import { formatBytes, formatEndpoint, formatLatency, formatStatus, formatTime, statusClass } from '../request-format';
import styles from '../request-log.module.css';

export interface RequestTableProps {
  rows: readonly RequestLog[];
  /** Nothing to show yet because the first page is still on its way. */
  loading: boolean;
  /** The current result was fetched under filters beyond the time range. */
  filtered: boolean;
}

const COLUMN_COUNT = 11;

const STATUS_CLASS_NAMES = {
  '1xx': styles.status1xx,
  '2xx': styles.status2xx,
  '3xx': styles.status3xx,
  '4xx': styles.status4xx,
  '5xx': styles.status5xx,
  none: styles.statusNone,
} as const;

export function RequestTable({ rows, loading, filtered }: RequestTableProps): JSX.Element {
  const now = new Date();
  return (
    <table className={styles.table} aria-busy={loading}>
      <caption className="visually-hidden">Request log</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Side</th>
          <th scope="col">Process</th>
          <th scope="col">Client</th>
          <th scope="col">Server</th>
          <th scope="col">Method</th>
          <th scope="col">Path</th>
          <th scope="col">Status</th>
          <th scope="col" className={styles.numeric}>
            Latency
          </th>
          <th scope="col" className={styles.numeric}>
            Req bytes
          </th>
          <th scope="col" className={styles.numeric}>
            Resp bytes
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={COLUMN_COUNT} className={styles.emptyCell}>
              {loading ? (
                <p className={styles.emptyTitle}>Loading requests…</p>
              ) : (
                <>
                  <p className={styles.emptyTitle}>No requests in this time range</p>
                  <p className={styles.emptyHint}>
                    The Bathyscope agent captures HTTP traffic on the host it runs on. Send a few requests to a service
                    on a monitored host, widen the time range
                    {filtered ? ', or clear the filters' : ''}.
                  </p>
                </>
              )}
            </td>
          </tr>
        ) : (
          rows.map((row) => <RequestRow key={row.id} row={row} now={now} />)
        )}
      </tbody>
    </table>
  );
}

function RequestRow({ row, now }: { row: RequestLog; now: Date }): JSX.Element {
  const klass = statusClass(row.status);
  return (
    <tr>
      <td className={styles.mono}>
        <time dateTime={row.time} title={row.time}>
          {formatTime(row.time, now)}
        </time>
      </td>
      <td>
        <span className={`${styles.side} ${row.side === 'server' ? styles.sideServer : styles.sideClient}`}>
          {row.side}
        </span>
      </td>
      <td className={styles.process} title={`${row.processName} (pid ${row.pid}, agent ${row.agentId})`}>
        {row.processName} <span className={styles.muted}>{row.pid}</span>
      </td>
      <td className={styles.mono}>{formatEndpoint(row.clientIp, row.clientPort)}</td>
      <td className={styles.mono}>{formatEndpoint(row.serverIp, row.serverPort)}</td>
      <td className={styles.method}>{row.method}</td>
      <td className={`${styles.mono} ${styles.path}`} title={`${row.host}${row.path} (${row.version})`}>
        {row.path}
      </td>
      <td>
        <span className={`${styles.status} ${STATUS_CLASS_NAMES[klass]}`} title={row.responseStatus}>
          {formatStatus(row.status, row.responseStatus)}
        </span>
      </td>
      <td className={`${styles.numeric} ${styles.mono}`}>{formatLatency(row.latencyUs)}</td>
      <td className={`${styles.numeric} ${styles.mono}`}>{formatBytes(row.requestBytes)}</td>
      <td className={`${styles.numeric} ${styles.mono}`}>{formatBytes(row.responseBytes)}</td>
    </tr>
  );
}
