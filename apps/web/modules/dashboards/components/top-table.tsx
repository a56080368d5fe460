import type { JSX } from 'react';
import { DataTable } from '@/modules/shell/data-table';
import { formatLatency, formatPercent } from '../dashboard-params';
import styles from '../dashboards.module.css';
import type { ProtocolTopTable } from '../dashboards.queries';

/** One top table of a protocol view (top names, slowest statements …). */
export function TopTable({ table, loading }: { table: ProtocolTopTable; loading: boolean }): JSX.Element {
  const withNx = table.rows.some((r) => r.nxdomain !== null);
  const columns = [
    { label: 'Name' },
    { label: 'Requests', numeric: true },
    { label: 'Errors', numeric: true },
    { label: 'Error rate', numeric: true },
    ...(withNx ? [{ label: 'NXDOMAIN', numeric: true }] : []),
    { label: 'Avg latency', numeric: true },
    { label: 'Max latency', numeric: true },
  ];
  const headingId = `top-${table.id}`;
  return (
    <section className={styles.tableCard} aria-labelledby={headingId} data-table-id={table.id}>
      <h2 id={headingId}>{table.title}</h2>
      <DataTable
        caption={table.title}
        columns={columns}
        dense
        loading={loading}
        loadingTitle="Loading…"
        emptyTitle="Nothing in this time range"
        emptyHint="Rows appear once agents see this protocol."
        rows={table.rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <td className={styles.key} title={r.key}>
              {r.key === '' ? <span className={styles.empty}>(none)</span> : r.key}
            </td>
            <td>{r.requests}</td>
            <td>{r.errors}</td>
            <td>{formatPercent(r.errorRate)}</td>
            {withNx && <td>{r.nxdomain ?? '–'}</td>}
            <td>{formatLatency(r.avgLatencyUs)}</td>
            <td>{formatLatency(r.maxLatencyUs)}</td>
          </tr>
        ))}
      />
    </section>
  );
}
