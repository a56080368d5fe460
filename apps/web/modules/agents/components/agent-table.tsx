import { Fragment, type JSX } from 'react';
import chipStyles from '@/modules/shell/chips.module.css';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import pageStyles from '@/modules/shell/page.module.css';
import {
  COUNTERS,
  counterValue,
  droppedEvents,
  formatCount,
  formatMiB,
  formatRelativeTime,
  type StateTone,
  stateLabel,
  stateTone,
} from '../agent-format';
import type { Agent } from '../agents.queries';
import styles from '../agents.module.css';

export interface AgentTableProps {
  agents: readonly Agent[];
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  /** Reference for "last seen". */
  now: Date;
}

const COLUMNS: readonly DataTableColumn[] = [
  { label: 'Name' },
  { label: 'Hostname' },
  { label: 'Group' },
  { label: 'Labels' },
  { label: 'State' },
  { label: 'eBPF' },
  { label: 'Kernel' },
  { label: 'Version' },
  { label: 'Last seen' },
  { label: 'Events dropped', numeric: true },
  { label: 'Rows shipped', numeric: true },
  { label: 'Rows dropped', numeric: true },
  { label: 'Memory', numeric: true },
];

const TONE_CLASS_NAMES: Record<StateTone, string | undefined> = {
  ok: styles.badgeOk,
  warning: styles.badgeWarning,
  inactive: styles.badgeInactive,
};

export function AgentTable({ agents, loading, now }: AgentTableProps): JSX.Element {
  return (
    <DataTable
      caption="Agents"
      columns={COLUMNS}
      rows={agents.map((agent) => <AgentRows key={agent.id} agent={agent} now={now} />)}
      loading={loading}
      loadingTitle="Loading agents…"
      emptyTitle="No agents yet"
      emptyHint={
        <>
          Agents appear here once they are enrolled in this tenant and report in. On a development machine,{' '}
          <code>sudo npm start</code> starts a local agent (eBPF capture needs root).
        </>
      }
      className={styles.agentsTable}
    />
  );
}

function AgentRows({ agent, now }: { agent: Agent; now: Date }): JSX.Element {
  // Blank and repeated entries add nothing to the list.
  const problems = [...new Set(agent.problems.map((problem) => problem.trim()).filter((problem) => problem !== ''))];
  const memory = counterValue(agent.counters, COUNTERS.rssBytes);
  return (
    <Fragment>
      <tr className={`${styles.agentRow} ${problems.length > 0 ? styles.hasProblems : ''}`}>
        <td className={styles.name} title={`Agent ${agent.id}`}>
          {agent.name}
        </td>
        <td className={tableStyles.mono}>{agent.hostname}</td>
        <td>{agent.group?.name ?? <span className={tableStyles.muted}>—</span>}</td>
        <td>
          {agent.labels.length === 0 ? (
            <span className={tableStyles.muted}>—</span>
          ) : (
            <ul className={chipStyles.chips} aria-label={`Labels of ${agent.name}`}>
              {agent.labels.map((label) => (
                <li key={label} className={chipStyles.chip}>
                  {label}
                </li>
              ))}
            </ul>
          )}
        </td>
        <td>
          <span
            className={`${styles.badge} ${TONE_CLASS_NAMES[stateTone(agent.state)]}`}
            data-state={agent.state}
            title={agent.state}
          >
            {stateLabel(agent.state)}
          </span>
        </td>
        <td>
          {agent.ebpfOk ? (
            <span className={styles.ebpfOk}>OK</span>
          ) : (
            <span className={agent.state === 'NEVER_SEEN' ? tableStyles.muted : styles.ebpfFailed}>Not capturing</span>
          )}
        </td>
        <td className={tableStyles.mono}>{agent.kernel ?? <span className={tableStyles.muted}>—</span>}</td>
        <td className={tableStyles.mono}>{agent.version}</td>
        <td>
          {agent.lastSeenAt === null ? (
            <span className={tableStyles.muted}>Never</span>
          ) : (
            <time dateTime={agent.lastSeenAt} title={new Date(agent.lastSeenAt).toLocaleString()}>
              {formatRelativeTime(agent.lastSeenAt, now)}
            </time>
          )}
        </td>
        <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>{formatCount(droppedEvents(agent.counters))}</td>
        <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>
          {formatCount(counterValue(agent.counters, COUNTERS.rowsShipped))}
        </td>
        <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>
          {formatCount(counterValue(agent.counters, COUNTERS.rowsDropped))}
        </td>
        <td
          className={`${tableStyles.numeric} ${tableStyles.mono}`}
          title={memory === undefined ? undefined : `${memory} bytes`}
        >
          {formatMiB(memory)}
        </td>
      </tr>
      {problems.length > 0 && (
        <tr>
          <td colSpan={COLUMNS.length} className={styles.problemsCell}>
            <div className={pageStyles.alert}>
              <h2 className={styles.problemsTitle}>Why capture is not working</h2>
              <ul className={styles.problemsList} aria-label={`Problems on ${agent.name}`}>
                {problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </div>
          </td>
        </tr>
      )}
    </Fragment>
  );
}
