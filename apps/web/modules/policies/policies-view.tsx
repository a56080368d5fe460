'use client';

import { type JSX, useCallback, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { useLoaded } from '@/lib/use-loaded';
import type { ApiKey } from '@/modules/api-keys/api-keys.queries';
import { fetchAllApiKeys } from '@/modules/api-keys/use-api-keys';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import type { Member } from '@/modules/members/members.queries';
import { fetchAllMembers } from '@/modules/members/use-members';
import { type FailedAction, failedAction, ListSection } from '@/modules/shell/list-section';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { fetchAllTeams } from '@/modules/teams/use-teams';
import { AccessSimulator } from './components/access-simulator';
import { PolicyEditor } from './components/policy-editor';
import { PolicyTable } from './components/policy-table';
import type { Policy, PolicyInput } from './policies.queries';
import { fetchAuthzCatalog, usePolicies } from './use-policies';

/** Whom the simulator can ask about; members at least (a policy may keep API keys from being listed). */
async function fetchSubjects(signal: AbortSignal): Promise<{ members: Member[]; apiKeys: ApiKey[] }> {
  const [members, apiKeys] = await Promise.all([
    fetchAllMembers(signal),
    fetchAllApiKeys(signal).catch((): ApiKey[] => []),
  ]);
  return { members, apiKeys };
}

/** Closed, a new policy, or one being edited. */
type Editor = { open: false } | { open: true; policy: Policy | null };

export function PoliciesView(): JSX.Element {
  const hydrated = useHydrated();
  const onUnauthenticated = useSignInRedirect();
  const policies = usePolicies({ onUnauthenticated });
  const catalog = useLoaded(fetchAuthzCatalog, onUnauthenticated);
  const teams = useLoaded(fetchAllTeams, onUnauthenticated);
  const subjects = useLoaded(fetchSubjects, onUnauthenticated);
  const [editor, setEditor] = useState<Editor>({ open: false });
  const [policyError, setPolicyError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');
  const { state, refresh, create, update, remove, simulate } = policies;
  const { reload: reloadTeams } = teams;
  const { reload: reloadSubjects } = subjects;
  const editing = editor.open ? editor.policy : null;

  const handleRefresh = useCallback(() => {
    refresh();
    reloadTeams();
    reloadSubjects();
  }, [refresh, reloadTeams, reloadSubjects]);

  const handleSubmit = useCallback(
    async (input: PolicyInput): Promise<ActionError | null> => {
      const result = editing === null ? await create(input) : await update(editing.id, input);
      if (!result.ok) return result.error;
      setAnnouncement(`Policy ${result.value.name} ${editing === null ? 'created' : 'saved'}.`);
      setEditor({ open: false });
      return null;
    },
    [create, update, editing],
  );

  const handleDelete = useCallback(
    async (policy: Policy): Promise<void> => {
      setPolicyError(null);
      const result = await remove(policy.id);
      if (!result.ok) {
        setPolicyError(failedAction(`Could not delete ${policy.name}.`, result.error));
        return;
      }
      setAnnouncement(`Policy ${policy.name} deleted.`);
      if (editing?.id === policy.id) setEditor({ open: false });
    },
    [remove, editing],
  );

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="policies-heading">
      <PageHeader headingId="policies-heading" title="Policies" refreshing={state.refreshing} onRefresh={handleRefresh}>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => setEditor({ open: true, policy: null })}
          disabled={!hydrated || (editor.open && editing === null)}
        >
          New policy
        </button>
      </PageHeader>
      <p className={pageStyles.intro}>
        Policies refine what roles allow, by team, role and resource attributes such as the namespace. An ALLOW grants
        more (never more than its author may do); a DENY takes away and always wins over an ALLOW. They apply at once to
        the members they match and to API keys that carry them; owners are never subject to them.
      </p>

      <LoadErrorAlert title="Could not load what policies can use." error={catalog.error} />
      <LoadErrorAlert title="Could not load teams." error={teams.error} />
      <LoadErrorAlert title="Could not load the members to simulate." error={subjects.error} />

      {editor.open && (
        <PolicyEditor
          key={editing?.id ?? 'new'}
          policy={editing}
          catalog={catalog.data}
          teams={teams.data}
          onSubmit={handleSubmit}
          onCancel={() => setEditor({ open: false })}
        />
      )}

      <ListSection
        id="policies-list-heading"
        title="All policies"
        noun={['policy', 'policies']}
        loadErrorTitle="Could not load policies."
        list={policies}
        failedAction={policyError}
      >
        <PolicyTable
          policies={state.items}
          loading={state.loading && state.error === null}
          onEdit={(policy) => setEditor({ open: true, policy })}
          onDelete={handleDelete}
        />
      </ListSection>

      <AccessSimulator
        catalog={catalog.data}
        members={subjects.data?.members ?? null}
        apiKeys={subjects.data?.apiKeys ?? null}
        simulate={simulate}
      />

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
