'use client';

import Link from 'next/link';
import { type JSX, useCallback, useMemo, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { inventoryPath } from '@/modules/inventory/inventory.queries';
import { useNow } from '@/modules/agents/use-now';
import { type FailedAction, failedAction } from '@/modules/shell/list-section';
import { ListPanel } from '@/modules/shell/list-panel';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { AddConnectorForm } from './components/add-connector-form';
import { EditConnectorForm } from './components/edit-connector-form';
import { draftFromConnector } from './connector-config';
import { type ConnectorActions, ConnectorTable } from './components/connector-table';
import type { Connector, CreateConnectorInput, UpdateConnectorInput } from './connectors.queries';
import styles from './connectors.module.css';
import { useConnectors } from './use-connectors';

export interface ConnectorsViewProps {
  tenantSlug: string;
  /** Admins add, test, run, disable and delete; other members see the status only. */
  canManage: boolean;
}

/** The tenant's resource connectors: their sync status, and for admins the actions on them and "Add connector". */
export function ConnectorsView({ tenantSlug, canManage }: ConnectorsViewProps): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const { state, refresh, loadMore, create, update, remove, test, run } = useConnectors({ onUnauthenticated });
  const now = useNow(5_000);
  const [actionError, setActionError] = useState<FailedAction>(null);
  const [announcement, setAnnouncement] = useState('');
  /** The connector in the edit form, which then stands where "Add connector" is. */
  const [editing, setEditing] = useState<Connector | null>(null);
  const editDraft = useMemo(() => (editing === null ? undefined : draftFromConnector(editing)), [editing]);
  const { items, loading, refreshing, loadingMore, hasNextPage, error } = state;

  const handleCreate = useCallback(
    async (input: CreateConnectorInput): Promise<ActionError | null> => {
      const result = await create(input);
      if (!result.ok) return result.error;
      setAnnouncement(
        result.value.enabled
          ? `Connector ${result.value.name} added; its first sync is queued.`
          : `Connector ${result.value.name} added, disabled.`,
      );
      return null;
    },
    [create],
  );

  // Closing the edit form takes focus back to the row it was opened from, not to the top of the page.
  const closeEditor = useCallback((connectorId: string) => {
    setEditing(null);
    requestAnimationFrame(() =>
      document.querySelector<HTMLButtonElement>(`[data-edit-connector="${CSS.escape(connectorId)}"]`)?.focus(),
    );
  }, []);

  const handleSave = useCallback(
    async (input: UpdateConnectorInput): Promise<ActionError | null> => {
      if (editing === null) return null;
      const result = await update(editing.id, input);
      if (!result.ok) return result.error;
      setAnnouncement(`Connector ${result.value.name} saved.`);
      closeEditor(editing.id);
      return null;
    },
    [update, editing, closeEditor],
  );

  const actions = useMemo<ConnectorActions>(
    () => ({
      edit: (connector: Connector) => {
        setActionError(null);
        setEditing(connector);
      },
      test: async (connector: Connector) => {
        setActionError(null);
        const result = await test(connector.id);
        if (!result.ok) setActionError(failedAction(`Could not test ${connector.name}.`, result.error));
        return result;
      },
      run: async (connector: Connector) => {
        setActionError(null);
        const result = await run(connector.id);
        if (result.ok) setAnnouncement(`Sync of ${connector.name} queued.`);
        else setActionError(failedAction(`Could not run ${connector.name}.`, result.error));
      },
      setEnabled: async (connector: Connector, enabled: boolean) => {
        setActionError(null);
        const result = await update(connector.id, { enabled });
        if (result.ok) setAnnouncement(`Connector ${connector.name} ${enabled ? 'enabled' : 'disabled'}.`);
        else
          setActionError(failedAction(`Could not ${enabled ? 'enable' : 'disable'} ${connector.name}.`, result.error));
      },
      remove: async (connector: Connector) => {
        setActionError(null);
        const result = await remove(connector.id);
        if (result.ok) {
          setAnnouncement(`Connector ${connector.name} deleted.`);
          setEditing((current) => (current?.id === connector.id ? null : current));
        } else setActionError(failedAction(`Could not delete ${connector.name}.`, result.error));
      },
    }),
    [test, run, update, remove],
  );

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="connectors-heading">
      <PageHeader headingId="connectors-heading" title="Connectors" refreshing={refreshing} onRefresh={refresh}>
        <Link className="btn btn-secondary" href={inventoryPath(tenantSlug)}>
          Inventory
        </Link>
      </PageHeader>
      <p className={pageStyles.intro}>
        Connectors fill the resource inventory that telemetry is tagged with: pods, services, hosts, VPCs and
        applications from Kubernetes, AWS, NetBox or an imported file. Each syncs on its interval and on “Run now”; a
        failed sync keeps what was found before. Credentials are stored encrypted and never shown again.
      </p>

      {canManage && editing !== null && editDraft !== undefined ? (
        <EditConnectorForm
          key={editing.id}
          connector={editing}
          initial={editDraft}
          onSave={handleSave}
          onCancel={() => closeEditor(editing.id)}
          otherNames={new Set(items.filter((item) => item.id !== editing.id).map((item) => item.name))}
        />
      ) : canManage ? (
        <AddConnectorForm onCreate={handleCreate} />
      ) : (
        <p className={pageStyles.intro}>
          You can see how the connectors sync; adding or changing them needs the admin role.
        </p>
      )}

      <LoadErrorAlert title="Could not load connectors." error={error} />
      <LoadErrorAlert title={actionError?.title ?? ''} error={actionError?.error ?? null} />

      <ListPanel
        count={items.length}
        noun={['connector', 'connectors']}
        endNote="all connectors shown"
        hasNextPage={hasNextPage}
        loading={loading}
        loadingMore={loadingMore}
        onLoadMore={loadMore}
        className={styles.tablePanel}
      >
        <ConnectorTable
          connectors={items}
          loading={loading && error === null}
          now={now}
          actions={canManage ? actions : null}
        />
      </ListPanel>

      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </section>
  );
}
