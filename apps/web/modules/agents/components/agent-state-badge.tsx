import type { JSX } from 'react';
import { type StateTone, stateLabel, stateTone } from '../agent-format';
import type { Agent } from '../agents.queries';
import styles from '../agents.module.css';

const TONE_CLASS_NAMES: Record<StateTone, string | undefined> = {
  ok: styles.badgeOk,
  warning: styles.badgeWarning,
  inactive: styles.badgeInactive,
};

/** ONLINE green, DEGRADED amber, OFFLINE / NEVER_SEEN grey; a revoked agent also says so, in red. */
export function AgentStateBadge({ agent }: { agent: Pick<Agent, 'state' | 'revokedAt'> }): JSX.Element {
  return (
    <span className={styles.badges}>
      <span
        className={`${styles.badge} ${TONE_CLASS_NAMES[stateTone(agent.state)]}`}
        data-state={agent.state}
        title={agent.state}
      >
        {stateLabel(agent.state)}
      </span>
      {agent.revokedAt !== null && (
        <span className={`${styles.badge} ${styles.badgeDanger}`} data-revoked="true">
          Revoked
        </span>
      )}
    </span>
  );
}
