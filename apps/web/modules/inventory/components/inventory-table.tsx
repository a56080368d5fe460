import Link from 'next/link';
import type { JSX, ReactNode } from 'react';
import { formatDateTime } from '@/lib/date-format';
import { formatRelativeTime } from '@/modules/agents/agent-format';
import badgeStyles from '@/modules/shell/badge.module.css';
import chipStyles from '@/modules/shell/chips.module.css';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { inventoryResourcePath, type InventoryRow } from '../inventory.queries';
import { ipSummary, labelEntries, resourceKindLabel, sourceLabel } from '../inventory-format';
import styles from '../inventory.module.css';

/** Labels shown in a row; the resource's page has them all. */
const MAX_ROW_LABELS = 4;

export interface InventoryTableProps {
  rows: readonly InventoryRow[];
  tenantSlug: string;
  loading: boolean;
  /** Reference for "last seen". */
  now: Date;
  /** `connector id → name`, to name sources. */
  connectorNames: ReadonlyMap<string, string>;
  /** Some filter is set: the empty list says so. */
  filtered: boolean;
  emptyHint: ReactNode;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Kind' },
  { label: 'Name' },
  { label: 'Source' },
  { label: 'Labels' },
  { label: 'IPs' },
  { label: 'Last seen' },
];

export function InventoryTable({
  rows,
  tenantSlug,
  loading,
  now,
  connectorNames,
  filtered,
  emptyHint,
}: InventoryTableProps): JSX.Element {
  return (
    <DataTable
      caption="Resources"
      columns={COLUMNS}
      rows={rows.map((resource) => {
        const labels = labelEntries(resource.labels);
        return (
          <tr
            key={resource.id}
            className={resource.deletedAt === null ? undefined : tableStyles.inactiveRow}
            data-kind={resource.kind}
            data-deleted={resource.deletedAt !== null}
          >
            <td>{resourceKindLabel(resource.kind)}</td>
            <td className={styles.nameCell}>
              <Link href={inventoryResourcePath(tenantSlug, resource.id)}>{resource.name || resource.externalId}</Link>
              {resource.deletedAt !== null && (
                <span
                  className={`${badgeStyles.badge} ${badgeStyles.inactive} ${styles.inlineBadge}`}
                  title={`Deleted ${formatDateTime(resource.deletedAt)}`}
                >
                  Deleted
                </span>
              )}
            </td>
            <td>{sourceLabel(resource.source, connectorNames)}</td>
            <td>
              {labels.length === 0 ? (
                <span className={tableStyles.muted}>—</span>
              ) : (
                <ul className={chipStyles.chips} aria-label={`Labels of ${resource.name}`}>
                  {labels.slice(0, MAX_ROW_LABELS).map(([key, value]) => (
                    <li key={key} className={chipStyles.chip} title={`${key}=${value}`}>
                      {key}={value}
                    </li>
                  ))}
                  {labels.length > MAX_ROW_LABELS && (
                    <li className={chipStyles.chip}>+{labels.length - MAX_ROW_LABELS}</li>
                  )}
                </ul>
              )}
            </td>
            <td className={tableStyles.mono}>{ipSummary(resource.ips)}</td>
            <td>
              <time dateTime={resource.lastSeenAt} title={formatDateTime(resource.lastSeenAt)}>
                {formatRelativeTime(resource.lastSeenAt, now)}
              </time>
            </td>
          </tr>
        );
      })}
      loading={loading}
      loadingTitle="Loading resources…"
      emptyTitle={filtered ? 'No resources match the filters' : 'No resources yet'}
      emptyHint={emptyHint}
      className={tableStyles.hoverRows}
    />
  );
}
