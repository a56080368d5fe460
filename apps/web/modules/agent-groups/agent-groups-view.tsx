'use client';

import Link from 'next/link';
import { type JSX, useCallback, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { agentsPath } from '@/modules/agents/agents.queries';
import { roleAtLeast } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import tableStyles from '@/modules/shell/data-table.module.css';
import { type FailedAction, failedAction } from '@/modules/shell/list-section';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { RoleNotice } from '@/modules/shell/role-notice';
import type { AgentGroup, AgentGroupInput } from './agent-groups.queries';
import { CreateGroupForm } from './components/create-group-form';
import { GroupTable } from './components/group-table';
import { useAgentGroups } from './use-agent-groups';

export interface AgentGroupsViewProps {
  tenantSlug: string;
  /** Editors create and delete groups; everyone reads them. */
  viewerRole: string;
}

export function AgentGroupsView({ tenantSlug, viewerRole }: AgentGroupsViewProps): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const canManage = roleAtLeast(viewerRole, 'editor');
  const { groups, data, loading, error, reload, create, remove } = useAgentGroups({ onUnauthenticated });
  const [groupError, setGroupError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');

  const handleCreate = useCallback(
    async (input: AgentGroupInput): Promise<ActionError | null> => {
      const result = await create(input);
      if (!result.ok) return result.error;
      setAnnouncement(`Agent group ${result.value.name} created.`);
      return null;
    },
    [create],
  );

  const handleDelete = useCallback(
    async (group: AgentGroup): Promise<void> => {
      setGroupError(null);
      const result = await remove(group.id);
      if (result.ok) setAnnouncement(`Agent group ${group.name} deleted.`);
      else setGroupError(failedAction(`Could not delete ${group.name}.`, result.error));
    },
    [remove],
  );

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="agent-groups-heading">
      <PageHeader
        headingId="agent-groups-heading"
        title="Agent groups"
        refreshing={loading && data !== null}
        onRefresh={reload}
      >
        <Link className="btn btn-secondary" href={agentsPath(tenantSlug)}>
          Back to agents
        </Link>
      </PageHeader>
      <p className={pageStyles.intro}>
        Agents in a group run the group&apos;s configuration (what they capture, sampling, limits, check-in interval);
        access policies can match the group. An agent is in one group at most; ungrouped agents run the built-in
        defaults.
      </p>

      {canManage ? (
        <CreateGroupForm onCreate={handleCreate} />
      ) : (
        <RoleNotice requiredRole="editor" purpose="create or delete agent groups" currentRole={viewerRole} />
      )}

      <LoadErrorAlert title="Could not load agent groups." error={error} />
      <LoadErrorAlert title={groupError?.title ?? ''} error={groupError?.error ?? null} />

      <div className={`${tableStyles.tableScroll} ${pageStyles.sectionPanel}`}>
        <GroupTable
          groups={groups}
          tenantSlug={tenantSlug}
          loading={data === null && error === null}
          canManage={canManage}
          onDelete={handleDelete}
        />
      </div>

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
