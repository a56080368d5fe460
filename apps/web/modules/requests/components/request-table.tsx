import Link from 'next/link';
import type { JSX } from 'react';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import type { RequestLog } from '../request-log.queries';
import {
  formatBytes,
  formatEndpoint,
  formatLatency,
  formatStatus,
  formatTime,
  isRedacted,
  statusClass,
  workloadLabel,
  workloadTitle,
} from '../request-format';
import styles from '../request-log.module.css';

/** Client rows (and any side this console does not know yet) keep the client style. */
const SIDE_CLASS: Partial<Record<string, string>> = { server: styles.sideServer, network: styles.sideNetwork };
export interface RequestTableProps {
  rows: readonly RequestLog[];
  /** Nothing to show yet because the first page is still on its way. */
  loading: boolean;
  /** The current result was fetched under filters beyond the time range. */
  filtered: boolean;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Time' },
  { label: 'Side' },
  { label: 'Workload' },
  { label: 'Process' },
  { label: 'Client' },
  { label: 'Server' },
  { label: 'Method' },
  { label: 'Path' },
  { label: 'Status' },
  { label: 'Latency', numeric: true },
  { label: 'Req bytes', numeric: true },
  { label: 'Resp bytes', numeric: true },
  { label: 'Trace' },
];

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
    <DataTable
      caption="Request log"
      columns={COLUMNS}
      rows={rows.map((row) => <RequestRow key={row.id} row={row} now={now} />)}
      loading={loading}
      loadingTitle="Loading requests…"
      emptyTitle="No requests in this time range"
      emptyHint={
        <>
          The Bathyscope agent captures HTTP traffic on the host it runs on. Send a few requests to a service on a
          monitored host, widen the time range
          {filtered ? ', or clear the filters' : ''}.
        </>
      }
      dense
      className={styles.requestTable}
    />
  );
}

function RequestRow({ row, now }: { row: RequestLog; now: Date }): JSX.Element {
  const klass = statusClass(row.status);
  return (
    <tr>
      <td className={tableStyles.mono}>
        <time dateTime={row.time} title={row.time}>
          {formatTime(row.time, now)}
        </time>
      </td>
      <td>
        <span className={`${styles.side} ${SIDE_CLASS[row.side] ?? styles.sideClient}`}>{row.side}</span>
      </td>
      <td className={styles.workload} title={workloadTitle(row)}>
        {workloadLabel(row) || <span className={tableStyles.muted}>—</span>}
      </td>
      <td
        className={styles.process}
        title={`${isRedacted(row, 'processName') ? 'pid' : `${row.processName} (pid`} ${row.pid}, agent ${row.agentId})`}
      >
        {isRedacted(row, 'processName') ? <Redacted field="processName" /> : row.processName}{' '}
        <span className={tableStyles.muted}>{row.pid}</span>
      </td>
      <td className={tableStyles.mono}>
        {isRedacted(row, 'clientIp') ? <Redacted field="clientIp" /> : formatEndpoint(row.clientIp, row.clientPort)}
      </td>
      <td className={tableStyles.mono}>
        {isRedacted(row, 'serverIp') ? <Redacted field="serverIp" /> : formatEndpoint(row.serverIp, row.serverPort)}
      </td>
      <td className={styles.method}>{row.method}</td>
      <td
        className={`${tableStyles.mono} ${styles.path}`}
        title={isRedacted(row, 'host') ? undefined : `${row.host}${row.path} (${row.version})`}
      >
        {isRedacted(row, 'path') ? <Redacted field="path" /> : row.path}
      </td>
      <td>
        <span className={`${styles.status} ${STATUS_CLASS_NAMES[klass]}`} title={row.responseStatus}>
          {formatStatus(row.status, row.responseStatus)}
        </span>
      </td>
      <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>{formatLatency(row.latencyUs)}</td>
      <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>{formatBytes(row.requestBytes)}</td>
      <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>{formatBytes(row.responseBytes)}</td>
      <td>
        {/* Relative to /t/<slug>/requests, so the table needs no tenant. */}
        <Link href={`traces?row=${encodeURIComponent(row.id)}`} aria-label={`Trace of ${row.method} ${row.path}`}>
          Trace
        </Link>
      </td>
    </tr>
  );
}

/** Where a field-level policy emptied a field for the viewer. */
function Redacted({ field }: { field: string }): JSX.Element {
  return (
    <span
      className={styles.redacted}
      data-redacted={field}
      title={`${field} is hidden from you by a field-level policy`}
    >
      hidden
    </span>
  );
}
