import type { JSX } from 'react';
import { formatDateTime } from '@/lib/date-format';
import badgeStyles from '@/modules/shell/badge.module.css';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { EditDeleteActions } from '@/modules/shell/edit-delete-actions';
import type { Policy } from '../policies.queries';
import styles from '../policies.module.css';
import { appliesToSummary, conditionsSummary, effectLabel, ruleSummary } from '../policy-format';

export interface PolicyTableProps {
  policies: readonly Policy[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  onEdit: (policy: Policy) => void;
  /** Resolves once the API answered, either way. */
  onDelete: (policy: Policy) => Promise<void>;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Name' },
  { label: 'Effect' },
  { label: 'Applies to' },
  { label: 'Rule' },
  { label: 'Conditions' },
  { label: 'Status' },
  { label: 'Actions', hideLabel: true },
];

export function PolicyTable({ policies, loading, onEdit, onDelete }: PolicyTableProps): JSX.Element {
  return (
    <DataTable
      caption="Policies"
      columns={COLUMNS}
      rows={policies.map((policy) => (
        <PolicyRow key={policy.id} policy={policy} onEdit={() => onEdit(policy)} onDelete={() => onDelete(policy)} />
      ))}
      loading={loading}
      loadingTitle="Loading policies…"
      emptyTitle="No policies yet"
      emptyHint="Without policies, the built-in roles decide. Create one above, e.g. a DENY on requests outside a team’s namespace."
      className={tableStyles.hoverRows}
    />
  );
}

function PolicyRow({
  policy,
  onEdit,
  onDelete,
}: {
  policy: Policy;
  onEdit: () => void;
  onDelete: () => Promise<void>;
}): JSX.Element {
  const nameId = `policy-${policy.id}-name`;
  const deny = policy.effect === 'DENY';
  return (
    <tr
      className={policy.enabled ? undefined : tableStyles.inactiveRow}
      data-effect={policy.effect.toLowerCase()}
      data-enabled={policy.enabled}
    >
      <td id={nameId} className={styles.name} title={`Changed ${formatDateTime(policy.updatedAt)}`}>
        {policy.name}
        {policy.description !== '' && <span className={styles.description}>{policy.description}</span>}
      </td>
      <td>
        <span className={`${badgeStyles.badge} ${deny ? badgeStyles.danger : badgeStyles.ok}`}>
          {effectLabel(policy.effect)}
        </span>
      </td>
      <td className={styles.words}>{appliesToSummary(policy)}</td>
      <td className={styles.words}>{ruleSummary(policy)}</td>
      <td className={styles.words}>{conditionsSummary(policy.conditions)}</td>
      <td>
        <span className={`${badgeStyles.badge} ${policy.enabled ? badgeStyles.info : badgeStyles.inactive}`}>
          {policy.enabled ? 'Enabled' : 'Disabled'}
        </span>
      </td>
      <td className={tableStyles.actionsCell}>
        <EditDeleteActions
          nameId={nameId}
          onEdit={onEdit}
          question="Delete the policy? It stops applying at once."
          onDelete={onDelete}
        />
      </td>
    </tr>
  );
}
