'use client';

import Link from 'next/link';
import { type JSX, useCallback, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { agentGroupsPath } from '@/modules/agent-groups/agent-groups.queries';
import { useAgentGroups } from '@/modules/agent-groups/use-agent-groups';
import { agentsPath } from '@/modules/agents/agents.queries';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { type FailedAction, failedAction, ListSection } from '@/modules/shell/list-section';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { CreateTokenForm } from './components/create-token-form';
import { InstallPanel } from './components/install-panel';
import { TokenTable } from './components/token-table';
import type { CreatedEnrollmentToken, CreateEnrollmentTokenInput, EnrollmentToken } from './enrollment.queries';
import { useEnrollmentTokens } from './use-enrollment-tokens';

export interface AddAgentViewProps {
  tenantSlug: string;
  /** A group to preselect (`?group=<id>`). */
  initialGroupId?: string;
}

/** Enrollment: create a token, install agents with it, manage the tokens. */
export function AddAgentView({ tenantSlug, initialGroupId }: AddAgentViewProps): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const tokens = useEnrollmentTokens({ onUnauthenticated });
  const groups = useAgentGroups({ onUnauthenticated });
  // The token lives here only until "Done", another token, or leaving the page.
  const [created, setCreated] = useState<CreatedEnrollmentToken | null>(null);
  const [tokenError, setTokenError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');
  const { state, refresh, create, revoke } = tokens;
  const { reload: reloadGroups } = groups;

  const handleRefresh = useCallback(() => {
    refresh();
    reloadGroups();
  }, [refresh, reloadGroups]);

  const handleCreate = useCallback(
    async (input: CreateEnrollmentTokenInput): Promise<ActionError | null> => {
      const result = await create(input);
      if (!result.ok) return result.error;
      setCreated(result.value);
      return null;
    },
    [create],
  );

  const handleRevoke = useCallback(
    async (token: EnrollmentToken): Promise<void> => {
      setTokenError(null);
      const result = await revoke(token.id);
      if (result.ok) setAnnouncement(`Enrollment token ${token.name} revoked.`);
      else setTokenError(failedAction(`Could not revoke ${token.name}.`, result.error));
    },
    [revoke],
  );

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="add-agent-heading">
      <PageHeader
        headingId="add-agent-heading"
        title="Add agent"
        refreshing={state.refreshing}
        onRefresh={handleRefresh}
      >
        <Link className="btn btn-secondary" href={agentsPath(tenantSlug)}>
          Back to agents
        </Link>
      </PageHeader>
      <p className={pageStyles.intro}>
        An agent enrolls once with an enrollment token: it creates its own key and from then on signs in with it, so the
        token can expire or be revoked without stopping enrolled agents. Tokens can put agents straight into an{' '}
        <Link href={agentGroupsPath(tenantSlug)}>agent group</Link>, whose configuration they then run.
      </p>

      {created !== null && (
        <InstallPanel key={created.enrollmentToken.id} created={created} onDismiss={() => setCreated(null)} />
      )}

      <CreateTokenForm
        groups={groups.error !== null ? [] : groups.data === null ? null : groups.groups}
        groupsFailed={groups.error !== null}
        initialGroupId={initialGroupId}
        onCreate={handleCreate}
      />

      <ListSection
        id="enrollment-tokens-heading"
        title="Enrollment tokens"
        noun={['token', 'tokens']}
        loadErrorTitle="Could not load enrollment tokens."
        list={tokens}
        failedAction={tokenError}
      >
        <TokenTable tokens={state.items} loading={state.loading && state.error === null} onRevoke={handleRevoke} />
      </ListSection>

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
