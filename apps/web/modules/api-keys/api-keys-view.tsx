'use client';

import { type JSX, useCallback, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import type { LoadError } from '@/lib/load-error';
import { useLoaded } from '@/lib/use-loaded';
import { assignableRoles } from '@/modules/auth/roles';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { fetchAllPolicies } from '@/modules/policies/use-policies';
import { ListPanel } from '@/modules/shell/list-panel';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import type { ApiKey, CreateApiKeyInput, CreatedApiKey } from './api-keys.queries';
import styles from './api-keys.module.css';
import { ApiKeyTable } from './components/api-key-table';
import { CreateApiKeyForm } from './components/create-api-key-form';
import { NewApiKeyPanel } from './components/new-api-key-panel';
import { useApiKeys } from './use-api-keys';

export interface ApiKeysViewProps {
  /** The viewer's role: a key can have at most this one. */
  viewerRole: string;
}

export function ApiKeysView({ viewerRole }: ApiKeysViewProps): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const { state, refresh, loadMore, create, revoke } = useApiKeys({ onUnauthenticated });
  // What a new key can carry; without it (e.g. refused), keys are created without a policy.
  const policies = useLoaded(fetchAllPolicies, onUnauthenticated);
  // The secret lives here only until "Done", another key, or leaving the page.
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revokeError, setRevokeError] = useState<{ name: string; error: LoadError } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const { items, loading, refreshing, loadingMore, hasNextPage, error } = state;

  const handleCreate = useCallback(
    async (input: CreateApiKeyInput): Promise<ActionError | null> => {
      const result = await create(input);
      if (!result.ok) return result.error;
      setCreated(result.value);
      return null;
    },
    [create],
  );

  const handleRevoke = useCallback(
    async (key: ApiKey): Promise<void> => {
      setRevokeError(null);
      const result = await revoke(key.id);
      if (result.ok) setAnnouncement(`API key ${key.name} revoked.`);
      else setRevokeError({ name: key.name, error: result.error });
    },
    [revoke],
  );

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="api-keys-heading">
      <PageHeader headingId="api-keys-heading" title="API keys" refreshing={refreshing} onRefresh={refresh} />
      <p className={pageStyles.intro}>
        Keys let scripts, CI jobs and dashboards call the Bathyscope API without a password. A key acts in this tenant
        with its role (never more than its creator’s current role) until it expires or is revoked.
      </p>

      {created !== null && (
        <NewApiKeyPanel key={created.apiKey.id} created={created} onDismiss={() => setCreated(null)} />
      )}

      <CreateApiKeyForm
        roles={assignableRoles(viewerRole)}
        policies={policies.error !== null ? [] : policies.data}
        policiesFailed={policies.error !== null}
        onCreate={handleCreate}
      />

      <LoadErrorAlert title="Could not load API keys." error={error} />
      <LoadErrorAlert
        title={`Could not revoke ${revokeError?.name ?? 'the key'}.`}
        error={revokeError?.error ?? null}
      />

      <ListPanel
        count={items.length}
        noun={['key', 'keys']}
        endNote="all keys shown"
        hasNextPage={hasNextPage}
        loading={loading}
        loadingMore={loadingMore}
        onLoadMore={loadMore}
        className={styles.tablePanel}
      >
        <ApiKeyTable keys={items} loading={loading && error === null} now={new Date()} onRevoke={handleRevoke} />
      </ListPanel>

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
