import Link from 'next/link';
import type { JSX } from 'react';
import { formatDate, formatDateTime } from '@/lib/date-format';
import { agentsPath } from '@/modules/agents/agents.queries';
import { fleetFiltersToSearchParams } from '@/modules/agents/fleet-filters';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { type AgentGroup, agentGroupPath } from '../agent-groups.queries';
import styles from '../agent-groups.module.css';

export interface GroupTableProps {
  groups: readonly AgentGroup[];
  tenantSlug: string;
  loading: boolean;
  /** Editors delete groups. */
  canManage: boolean;
  onDelete: (group: AgentGroup) => Promise<void>;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Name' },
  { label: 'Description' },
  { label: 'Agents', numeric: true },
  { label: 'Configuration' },
  { label: 'Created' },
  { label: 'Actions', hideLabel: true },
];

export function GroupTable({ groups, tenantSlug, loading, canManage, onDelete }: GroupTableProps): JSX.Element {
  return (
    <DataTable
      caption="Agent groups"
      columns={COLUMNS}
      rows={groups.map((group) => {
        const nameId = `agent-group-${group.id}-name`;
        const fleet = `${agentsPath(tenantSlug)}?${fleetFiltersToSearchParams({ state: '', group: group.id })}`;
        return (
          <tr key={group.id} data-group={group.name}>
            <td id={nameId} className={styles.name}>
              <Link href={agentGroupPath(tenantSlug, group.id)}>{group.name}</Link>
            </td>
            <td className={styles.description}>
              {group.description === '' ? <span className={tableStyles.muted}>—</span> : group.description}
            </td>
            <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>
              <Link href={fleet} aria-label={`${group.agentCount} agents in ${group.name}`}>
                {group.agentCount}
              </Link>
            </td>
            <td>
              {group.configVersion === 0 ? (
                <span className={tableStyles.muted}>Defaults</span>
              ) : (
                `v${group.configVersion}`
              )}
            </td>
            <td>
              <time dateTime={group.createdAt} title={formatDateTime(group.createdAt)}>
                {formatDate(group.createdAt)}
              </time>
            </td>
            <td className={tableStyles.actionsCell}>
              <span className={styles.rowActions}>
                <Link
                  className={`btn btn-secondary ${styles.smallButton}`}
                  href={agentGroupPath(tenantSlug, group.id)}
                  aria-describedby={nameId}
                >
                  Configure
                </Link>
                {canManage && (
                  <ConfirmActionControl
                    label="Delete"
                    question="Delete the group? Its agents become ungrouped and run the defaults; its enrollment tokens are deleted."
                    confirmLabel="Yes, delete"
                    nameId={nameId}
                    onConfirm={() => onDelete(group)}
                  />
                )}
              </span>
            </td>
          </tr>
        );
      })}
      loading={loading}
      loadingTitle="Loading agent groups…"
      emptyTitle="No agent groups yet"
      emptyHint="Groups give agents a shared configuration and let policies address them; agents join one when they enroll with its token or are moved to it."
      className={tableStyles.hoverRows}
    />
  );
}
