import Link from 'next/link';
import { Fragment, type JSX, type ReactNode } from 'react';
import chipStyles from '@/modules/shell/chips.module.css';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import pageStyles from '@/modules/shell/page.module.css';
import {
  COUNTERS,
  captureSummary,
  configSummary,
  configSync,
  counterValue,
  distinctProblems,
  droppedEvents,
  formatCount,
  formatMiB,
  formatRelativeTime,
  memoryBytes,
} from '../agent-format';
import { type Agent, agentPath } from '../agents.queries';
import styles from '../agents.module.css';
import { AgentStateBadge } from './agent-state-badge';

export interface AgentTableProps {
  agents: readonly Agent[];
  tenantSlug: string;
  /** Nothing to show yet because the first fetch is still on its way. */
  loading: boolean;
  /** Reference for "last seen". */
  now: Date;
  /** Said instead of the empty-fleet hint when filters hide every agent. */
  filteredOut?: { count: number; onClear: () => void };
  /** The empty fleet's hint, e.g. where to add an agent. */
  emptyHint: ReactNode;
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
  { label: 'Config' },
  { label: 'Last seen' },
  { label: 'Events dropped', numeric: true },
  { label: 'Rows dropped', numeric: true },
  { label: 'Memory', numeric: true },
];

export function AgentTable({ agents, tenantSlug, loading, now, filteredOut, emptyHint }: AgentTableProps): JSX.Element {
  const hidden = filteredOut !== undefined && filteredOut.count > 0;
  return (
    <DataTable
      caption="Agents"
      columns={COLUMNS}
      rows={agents.map((agent) => <AgentRows key={agent.id} agent={agent} tenantSlug={tenantSlug} now={now} />)}
      loading={loading}
      loadingTitle="Loading agents…"
      emptyTitle={hidden ? 'No agents match the filters' : 'No agents yet'}
      emptyHint={
        hidden ? (
          <>
            {filteredOut.count} {filteredOut.count === 1 ? 'agent is' : 'agents are'} hidden by the filters.{' '}
            <button type="button" className={styles.linkButton} onClick={filteredOut.onClear}>
              Show all agents
            </button>
          </>
        ) : (
          emptyHint
        )
      }
      className={styles.agentsTable}
    />
  );
}

function AgentRows({ agent, tenantSlug, now }: { agent: Agent; tenantSlug: string; now: Date }): JSX.Element {
  const problems = distinctProblems(agent.problems);
  const memory = memoryBytes(agent);
  const sync = configSync(agent);
  return (
    <Fragment>
      <tr
        className={`${styles.agentRow} ${problems.length > 0 ? styles.hasProblems : ''}`}
        data-agent-id={agent.id}
        data-state={agent.state}
      >
        <td className={styles.name}>
          <Link href={agentPath(tenantSlug, agent.id)} title={`Agent ${agent.id}`}>
            {agent.name}
          </Link>
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
          <AgentStateBadge agent={agent} />
        </td>
        <td>
          {agent.ebpfOk ? (
            <span className={styles.ebpfOk}>OK</span>
          ) : (
            <span className={agent.state === 'NEVER_SEEN' ? tableStyles.muted : styles.ebpfFailed}>
              {agent.state === 'NEVER_SEEN' ? 'Not capturing' : captureSummary(agent)}
            </span>
          )}
        </td>
        <td className={tableStyles.mono}>{agent.kernel ?? <span className={tableStyles.muted}>—</span>}</td>
        <td className={tableStyles.mono}>{agent.version}</td>
        <td className={tableStyles.mono} data-config={sync}>
          {configSummary(agent)}
          {sync === 'outdated' && (
            <span className={styles.configFlag} title="The agent runs another version than its group's">
              Out of date
            </span>
          )}
          {sync === 'error' && (
            <span className={styles.configFlagError} title={agent.configError ?? undefined}>
              Not applied
            </span>
          )}
        </td>
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
