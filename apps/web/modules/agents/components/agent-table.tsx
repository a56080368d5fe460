import { Fragment, type JSX } from 'react';
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

const COLUMN_COUNT = 11;

const TONE_CLASS_NAMES: Record<StateTone, string | undefined> = {
  ok: styles.badgeOk,
  warning: styles.badgeWarning,
  inactive: styles.badgeInactive,
};

export function AgentTable({ agents, loading, now }: AgentTableProps): JSX.Element {
  return (
    <table className={styles.table} aria-busy={loading}>
      <caption className="visually-hidden">Agents</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Hostname</th>
          <th scope="col">State</th>
          <th scope="col">eBPF</th>
          <th scope="col">Kernel</th>
          <th scope="col">Version</th>
          <th scope="col">Last seen</th>
          <th scope="col" className={styles.numeric}>
            Events dropped
          </th>
          <th scope="col" className={styles.numeric}>
            Rows shipped
          </th>
          <th scope="col" className={styles.numeric}>
            Rows dropped
          </th>
          <th scope="col" className={styles.numeric}>
            Memory
          </th>
        </tr>
      </thead>
      <tbody>
        {agents.length === 0 ? (
          <tr>
            <td colSpan={COLUMN_COUNT} className={styles.emptyCell}>
              {loading ? (
                <p className={styles.emptyTitle}>Loading agents…</p>
              ) : (
                <>
                  <p className={styles.emptyTitle}>No agents yet</p>
                  <p className={styles.emptyHint}>
                    Agents appear here once they are enrolled in this tenant and report in. On a development machine,{' '}
                    <code>sudo npm start</code> starts a local agent (eBPF capture needs root).
                  </p>
                </>
              )}
            </td>
          </tr>
        ) : (
          agents.map((agent) => <AgentRows key={agent.id} agent={agent} now={now} />)
        )}
      </tbody>
    </table>
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
        <td className={styles.mono}>{agent.hostname}</td>
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
            <span className={agent.state === 'NEVER_SEEN' ? styles.muted : styles.ebpfFailed}>Not capturing</span>
          )}
        </td>
        <td className={styles.mono}>{agent.kernel ?? <span className={styles.muted}>—</span>}</td>
        <td className={styles.mono}>{agent.version}</td>
        <td>
          {agent.lastSeenAt === null ? (
            <span className={styles.muted}>Never</span>
          ) : (
            <time dateTime={agent.lastSeenAt} title={new Date(agent.lastSeenAt).toLocaleString()}>
              {formatRelativeTime(agent.lastSeenAt, now)}
            </time>
          )}
        </td>
        <td className={`${styles.numeric} ${styles.mono}`}>{formatCount(droppedEvents(agent.counters))}</td>
        <td className={`${styles.numeric} ${styles.mono}`}>
          {formatCount(counterValue(agent.counters, COUNTERS.rowsShipped))}
        </td>
        <td className={`${styles.numeric} ${styles.mono}`}>
          {formatCount(counterValue(agent.counters, COUNTERS.rowsDropped))}
        </td>
        <td className={`${styles.numeric} ${styles.mono}`} title={memory === undefined ? undefined : `${memory} bytes`}>
          {formatMiB(memory)}
        </td>
      </tr>
      {problems.length > 0 && (
        <tr>
          <td colSpan={COLUMN_COUNT} className={styles.problemsCell}>
            <div className={styles.problems}>
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
