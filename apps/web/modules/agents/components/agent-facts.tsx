import Link from 'next/link';
import type { JSX, ReactNode } from 'react';
import { formatDateTime } from '@/lib/date-format';
import { agentGroupPath } from '@/modules/agent-groups/agent-groups.queries';
import tableStyles from '@/modules/shell/data-table.module.css';
import pageStyles from '@/modules/shell/page.module.css';
import {
  COUNTERS,
  configSync,
  configVersionLabel,
  counterValue,
  distinctProblems,
  droppedEvents,
  formatCount,
  formatMiB,
  formatRelativeTime,
  memoryBytes,
} from '../agent-format';
import type { AgentDetail } from '../agents.queries';
import styles from '../agent-detail.module.css';
import { AgentStateBadge } from './agent-state-badge';

export interface AgentFactsProps {
  agent: AgentDetail;
  tenantSlug: string;
  /** Reference for "last seen". */
  now: Date;
}

const muted = (text: string): JSX.Element => <span className={tableStyles.muted}>{text}</span>;

function Fact({ term, children }: { term: string; children: ReactNode }): JSX.Element {
  return (
    <div className={styles.fact}>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Card({ id, title, children }: { id: string; title: string; children: ReactNode }): JSX.Element {
  return (
    <section className={styles.card} aria-labelledby={id}>
      <h2 id={id} className={styles.cardTitle}>
        {title}
      </h2>
      {children}
    </section>
  );
}

function dateOrDash(iso: string | null): JSX.Element {
  return iso === null ? muted('—') : <time dateTime={iso}>{formatDateTime(iso)}</time>;
}

/** Health, host, configuration, counters and enrollment of one agent, as cards. */
export function AgentFacts({ agent, tenantSlug, now }: AgentFactsProps): JSX.Element {
  const problems = distinctProblems(agent.problems);
  const facts = agent.hostFacts;
  const sync = configSync(agent);
  const counters = [...agent.counters].sort((a, b) => a.name.localeCompare(b.name));
  const pending = counterValue(agent.counters, COUNTERS.rowsPending);

  return (
    <div className={styles.cards}>
      <Card id="agent-health-heading" title="Health">
        <dl className={styles.facts}>
          <Fact term="State">
            <AgentStateBadge agent={agent} />
          </Fact>
          <Fact term="Last seen">
            {agent.lastSeenAt === null ? (
              muted('Never')
            ) : (
              <time dateTime={agent.lastSeenAt} title={formatDateTime(agent.lastSeenAt)}>
                {formatRelativeTime(agent.lastSeenAt, now)}
              </time>
            )}
          </Fact>
          <Fact term="eBPF capture">
            {agent.ebpfOk ? <span className={styles.good}>OK</span> : <span className={styles.bad}>Not capturing</span>}
          </Fact>
          <Fact term="Agent CPU">
            {agent.cpuPercent === null ? muted('—') : `${agent.cpuPercent.toFixed(1)} % of a core`}
          </Fact>
          <Fact term="Agent memory">{formatMiB(memoryBytes(agent))}</Fact>
          <Fact term="Events dropped">{formatCount(droppedEvents(agent.counters))}</Fact>
          <Fact term="Spooled rows">{formatCount(pending)}</Fact>
        </dl>
        {problems.length > 0 && (
          <div className={pageStyles.alert}>
            <h3 className={styles.subTitle}>Why capture is not working</h3>
            <ul className={styles.list} aria-label={`Problems on ${agent.name}`}>
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        )}
      </Card>

      <Card id="agent-host-heading" title="Host">
        {facts === null ? (
          <>
            <p className={styles.note}>
              This agent was provisioned before enrollment existed: it reported no host facts. From its check-ins:
            </p>
            <dl className={styles.facts}>
              <Fact term="Hostname">
                <span className={tableStyles.mono}>{agent.hostname}</span>
              </Fact>
              <Fact term="Kernel">{agent.kernel ?? muted('—')}</Fact>
              <Fact term="Agent version">{agent.version}</Fact>
            </dl>
          </>
        ) : (
          <dl className={styles.facts}>
            <Fact term="Hostname">
              <span className={tableStyles.mono}>{facts.hostname}</span>
            </Fact>
            <Fact term="Machine ID">
              <span className={tableStyles.mono}>{facts.machineId}</span>
            </Fact>
            <Fact term="Kernel">
              <span className={tableStyles.mono}>{agent.kernel ?? facts.kernel}</span>
            </Fact>
            <Fact term="IP addresses">
              {facts.ips.length === 0 ? muted('—') : <span className={tableStyles.mono}>{facts.ips.join(', ')}</span>}
            </Fact>
            <Fact term="BTF">{facts.btf ? 'Available' : <span className={styles.bad}>Missing</span>}</Fact>
            <Fact term="cgroup">{facts.cgroupVersion === null ? muted('—') : `v${facts.cgroupVersion}`}</Fact>
            <Fact term="Capabilities">
              {facts.capabilities.length === 0 ? muted('None') : facts.capabilities.join(', ')}
            </Fact>
            <Fact term="Agent version">
              <span className={tableStyles.mono}>{agent.version}</span>
              {agent.version !== facts.agentVersion && (
                <span className={tableStyles.muted}> (enrolled with {facts.agentVersion})</span>
              )}
            </Fact>
          </dl>
        )}
      </Card>

      <Card id="agent-config-heading" title="Configuration">
        <dl className={styles.facts}>
          <Fact term="Group">
            {agent.group === null ? (
              muted('No group: built-in defaults')
            ) : (
              <Link href={agentGroupPath(tenantSlug, agent.group.id)}>{agent.group.name}</Link>
            )}
          </Fact>
          <Fact term="Desired">{configVersionLabel(agent.desiredConfigVersion)}</Fact>
          <Fact term="Applied">
            {agent.lastSeenAt === null ? muted('Not reported yet') : configVersionLabel(agent.configVersion)}
            {sync === 'outdated' && <span className={styles.flag}>Out of date</span>}
          </Fact>
          <Fact term="Ingest gateway">
            {agent.ingestUrl === null ? (
              muted(agent.revokedAt === null ? 'No healthy gateway' : 'None (revoked)')
            ) : (
              <span className={tableStyles.mono}>{agent.ingestUrl}</span>
            )}
          </Fact>
        </dl>
        {agent.configError !== null && agent.configError.trim() !== '' && (
          <div className={pageStyles.alert} role="note" aria-label="Configuration error">
            <strong>The agent could not apply its configuration.</strong> {agent.configError}
          </div>
        )}
        {sync === 'outdated' && agent.configError === null && (
          <p className={styles.note}>The agent picks up its group&apos;s configuration at its next check-in.</p>
        )}
      </Card>

      <Card id="agent-enrollment-heading" title="Enrollment">
        <dl className={styles.facts}>
          <Fact term="Agent ID">
            <span className={tableStyles.mono}>{agent.id}</span>
          </Fact>
          <Fact term="Enrolled">{dateOrDash(agent.enrolledAt)}</Fact>
          <Fact term="Revoked">{agent.revokedAt === null ? muted('No') : dateOrDash(agent.revokedAt)}</Fact>
        </dl>
      </Card>

      <section className={`${styles.card} ${styles.wide}`} aria-labelledby="agent-programs-heading">
        <h2 id="agent-programs-heading" className={styles.cardTitle}>
          Attached eBPF programs
        </h2>
        {agent.programs.length === 0 ? (
          <p className={styles.note}>None reported{agent.lastSeenAt === null ? ' yet' : ''}.</p>
        ) : (
          <ul className={styles.programs} aria-label="Attached eBPF programs">
            {agent.programs.map((program) => (
              <li key={program} className={tableStyles.mono}>
                {program}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className={`${styles.card} ${styles.wide}`} aria-labelledby="agent-counters-heading">
        <h2 id="agent-counters-heading" className={styles.cardTitle}>
          Counters
        </h2>
        {counters.length === 0 ? (
          <p className={styles.note}>The agent has not reported counters yet.</p>
        ) : (
          <table className={`${tableStyles.table} ${tableStyles.dense}`}>
            <caption className="visually-hidden">Counters</caption>
            <thead>
              <tr>
                <th scope="col">Counter</th>
                <th scope="col" className={tableStyles.numeric}>
                  Value
                </th>
              </tr>
            </thead>
            <tbody>
              {counters.map((counter) => (
                <tr key={counter.name}>
                  <td className={tableStyles.mono}>{counter.name}</td>
                  <td className={`${tableStyles.numeric} ${tableStyles.mono}`}>{formatCount(counter.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
