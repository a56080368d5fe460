import Link from 'next/link';
import type { JSX } from 'react';
import { captureWarningMessage, captureWarnings } from '../agent-format';
import { type Agent, agentsPath } from '../agents.queries';
import styles from '../agents.module.css';

export interface AgentHealthBannerProps {
  agents: readonly Agent[];
  tenantSlug: string;
}

/** Agents listed by name before the rest are summed up. */
const MAX_LISTED = 3;

/**
 * Says which agents are not capturing and why, on pages whose data they produce. Renders nothing
 * while every agent is fine (or before agents are loaded).
 */
export function AgentHealthBanner({ agents, tenantSlug }: AgentHealthBannerProps): JSX.Element | null {
  const warnings = captureWarnings(agents);
  const [first] = warnings;
  if (first === undefined) return null;
  const listed = warnings.slice(0, MAX_LISTED);
  const more = warnings.length - listed.length;

  return (
    <div role="status" aria-label="Agent health" className={styles.banner}>
      <span className={styles.bannerIcon} aria-hidden="true">
        ⚠
      </span>
      <div className={styles.bannerBody}>
        {warnings.length === 1 ? (
          <p className={styles.bannerText}>{captureWarningMessage(first)}</p>
        ) : (
          <ul className={styles.bannerList}>
            {listed.map((warning) => (
              <li key={warning.agentId}>{captureWarningMessage(warning)}</li>
            ))}
          </ul>
        )}
        {more > 0 && (
          <p className={styles.bannerMore}>
            and {more} more {more === 1 ? 'agent' : 'agents'}
          </p>
        )}
      </div>
      <Link href={agentsPath(tenantSlug)} className={styles.bannerLink}>
        View agents
      </Link>
    </div>
  );
}
