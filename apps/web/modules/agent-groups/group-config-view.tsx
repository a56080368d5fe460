'use client';

import Link from 'next/link';
import { type JSX, useCallback, useMemo, useState } from 'react';
import { formatDateTime } from '@/lib/date-format';
import { useHydrated } from '@/lib/use-hydrated';
import { useLoaded } from '@/lib/use-loaded';
import { agentsPath } from '@/modules/agents/agents.queries';
import { fleetFiltersToSearchParams } from '@/modules/agents/fleet-filters';
import { roleAtLeast } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { addAgentPath } from '@/modules/enrollment/enrollment.queries';
import { type FailedAction, failedAction, ListSection } from '@/modules/shell/list-section';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { RoleNotice } from '@/modules/shell/role-notice';
import { readStoredConfig } from './agent-config-form';
import { type AgentConfigVersion, agentGroupsPath } from './agent-groups.queries';
import styles from './agent-groups.module.css';
import { ConfigEditor } from './components/config-editor';
import { ConfigHistoryTable } from './components/config-history-table';
import { fetchAgentGroups } from './use-agent-groups';
import { type HistoryEntry, useGroupConfig } from './use-group-config';

export interface GroupConfigViewProps {
  tenantSlug: string;
  groupId: string;
  viewerRole: string;
}

function describeVersion(version: AgentConfigVersion): string {
  if (version.version === 0) return 'Built-in defaults (v0): this group has never been configured.';
  const when = version.createdAt === null ? '' : ` on ${formatDateTime(version.createdAt)}`;
  const who = version.createdBy === null ? '' : ` by ${version.createdBy}`;
  return `Version ${version.version}, saved${who}${when}.`;
}

/** A group's agent configuration: the editor, and the history with rollbacks. */
export function GroupConfigView({ tenantSlug, groupId, viewerRole }: GroupConfigViewProps): JSX.Element {
  const hydrated = useHydrated();
  const onUnauthenticated = useSignInRedirect();
  const canEdit = roleAtLeast(viewerRole, 'editor');
  const groups = useLoaded(fetchAgentGroups, onUnauthenticated);
  const { current, loading, error, history, refresh, save, rollback } = useGroupConfig(groupId, onUnauthenticated);
  const [historyError, setHistoryError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');
  const group = groups.data?.find((entry) => entry.id === groupId);
  const stored = useMemo(() => (current === null ? null : readStoredConfig(current.config)), [current]);
  const { reload: reloadGroups } = groups;

  const handleRefresh = useCallback(() => {
    refresh();
    reloadGroups();
  }, [refresh, reloadGroups]);

  const handleSave = useCallback(
    async (config: AgentConfigVersion['config'], comment: string) => {
      const result = await save(config, comment);
      if (result.ok) {
        setAnnouncement(`Configuration v${result.value.version} saved.`);
        return null;
      }
      return { message: result.error.message, errors: result.errors };
    },
    [save],
  );

  const handleRollback = useCallback(
    async (version: HistoryEntry) => {
      setHistoryError(null);
      const result = await rollback(version.version);
      if (result.ok) setAnnouncement(`Rolled back to v${version.version}: now v${result.value.version}.`);
      else setHistoryError(failedAction(`Could not roll back to v${version.version}.`, result.error));
    },
    [rollback],
  );

  const notFound = error?.code === 'NOT_FOUND' || (groups.data !== null && group === undefined && !groups.loading);
  if (notFound) {
    return (
      <section className={pageStyles.page} aria-labelledby="group-heading">
        <header className={pageStyles.header}>
          <h1 id="group-heading" className={pageStyles.title}>
            Agent group not found
          </h1>
        </header>
        <div className={pageStyles.notice}>
          <p>
            <strong>There is no such agent group in this tenant.</strong>
          </p>
          <p>
            It may have been deleted. <Link href={agentGroupsPath(tenantSlug)}>All agent groups</Link>
          </p>
        </div>
      </section>
    );
  }

  const fleetLink = `${agentsPath(tenantSlug)}?${fleetFiltersToSearchParams({ state: '', group: groupId })}`;

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="group-heading">
      <header className={`${pageStyles.header} ${pageStyles.headerWithControls}`}>
        <div className={styles.titleBlock}>
          <p className={styles.crumb}>
            <Link href={agentsPath(tenantSlug)}>Agents</Link>
            <span aria-hidden="true"> / </span>
            <Link href={agentGroupsPath(tenantSlug)}>Groups</Link>
            <span aria-hidden="true"> / </span>
          </p>
          <h1 id="group-heading" className={pageStyles.title}>
            {group?.name ?? 'Agent group'}
          </h1>
        </div>
        <span className={pageStyles.headerControls}>
          {roleAtLeast(viewerRole, 'admin') && (
            <Link
              className="btn btn-secondary"
              href={`${addAgentPath(tenantSlug)}?group=${encodeURIComponent(groupId)}`}
            >
              Add agent to this group
            </Link>
          )}
          <button
            type="button"
            className="btn btn-secondary"
            onClick={handleRefresh}
            disabled={!hydrated || loading || history.state.refreshing}
            aria-busy={loading || history.state.refreshing}
          >
            Refresh
          </button>
        </span>
      </header>
      <p className={pageStyles.intro}>
        {group?.description ? `${group.description} · ` : ''}
        {group === undefined ? null : (
          <Link href={fleetLink}>
            {group.agentCount} {group.agentCount === 1 ? 'agent' : 'agents'} in this group
          </Link>
        )}
        {group === undefined ? '' : '. '}
        Agents apply a saved configuration at their next check-in, without restarting, and report which version they
        run.
      </p>

      <LoadErrorAlert title="Could not load the configuration." error={error} />
      <LoadErrorAlert title="Could not load the group." error={groups.error} />

      {current !== null && stored !== null && (
        <>
          <p className={styles.currentLine} data-version={current.version}>
            <strong>{describeVersion(current)}</strong>
            {current.comment !== '' && <> “{current.comment}”</>}
          </p>
          {stored.problems.length > 0 && (
            <div className={pageStyles.notice}>
              <p>
                <strong>The stored configuration does not match what this console knows;</strong> the form starts from
                the defaults.
              </p>
              <p>{stored.problems.join('; ')}</p>
            </div>
          )}
          {!canEdit && (
            <RoleNotice requiredRole="editor" purpose="change agent configuration" currentRole={viewerRole} />
          )}
          <ConfigEditor key={current.version} config={stored.config} readOnly={!canEdit} onSave={handleSave} />
        </>
      )}

      <ListSection
        id="config-history-heading"
        title={history.totalCount === null ? 'Version history' : `Version history (${history.totalCount})`}
        noun={['version', 'versions']}
        loadErrorTitle="Could not load the history."
        list={history}
        failedAction={historyError}
      >
        <ConfigHistoryTable
          versions={history.state.items}
          currentVersion={current?.version ?? null}
          loading={history.state.loading && history.state.error === null}
          canRollback={canEdit}
          onRollback={handleRollback}
        />
      </ListSection>

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
