'use client';

import { Fragment, type JSX, useCallback, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { graphqlRequest } from '@/lib/graphql';
import type { LoadError } from '@/lib/load-error';
import { usePolling } from '@/lib/use-polling';
import badgeStyles from '@/modules/shell/badge.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import confirmStyles from '@/modules/shell/confirm-action.module.css';
import { CopyButton } from '@/modules/shell/copy-button';
import { DataTable } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import {
  CREATE_DESTINATION_MUTATION,
  DELETE_DESTINATION_MUTATION,
  DELIVERIES_QUERY,
  type DestinationInput,
  DESTINATIONS_QUERY,
  ROTATE_SECRET_MUTATION,
  SEND_TEST_MUTATION,
  UPDATE_DESTINATION_MUTATION,
  type WebhookDelivery,
  type WebhookDestination,
} from '../alerts.queries';
import styles from '../alerts.module.css';
import { useQueryData } from '../use-query-data';
import { DeliveryLog, DeliveryStatus } from './delivery-log';
import { DestinationForm } from './destination-form';

/** Deliveries retry with backoff; the log follows them while it is open. */
const DELIVERY_POLL_MS = 2_000;

export function DestinationsPanel({ canManage }: { canManage: boolean }): JSX.Element {
  const { data, loading, refreshing, error, refresh, act } = useQueryData('destinations', (signal) =>
    graphqlRequest(DESTINATIONS_QUERY, {}, { signal }),
  );
  const [editing, setEditing] = useState<WebhookDestination | null>(null);
  const [shownSecret, setShownSecret] = useState<{ name: string; secret: string } | null>(null);
  const [openLog, setOpenLog] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: LoadError } | null>(null);
  const [announcement, setAnnouncement] = useState('');

  const save = useCallback(
    async (input: DestinationInput): Promise<ActionError | null> => {
      const target = editing;
      if (target === null) {
        const result = await act(
          async () => (await graphqlRequest(CREATE_DESTINATION_MUTATION, { input })).createWebhookDestination,
        );
        if (!result.ok) return result.error;
        setShownSecret({ name: result.value.destination.name, secret: result.value.secret });
        setAnnouncement(`Destination ${result.value.destination.name} added.`);
      } else {
        const result = await act(
          async () =>
            (await graphqlRequest(UPDATE_DESTINATION_MUTATION, { id: target.id, input })).updateWebhookDestination,
        );
        if (!result.ok) return result.error;
        setAnnouncement(`Destination ${result.value.name} saved.`);
        setEditing(null);
      }
      refresh(true);
      return null;
    },
    [act, editing, refresh],
  );

  const run = async (title: string, action: () => Promise<unknown>, done: string): Promise<void> => {
    setActionError(null);
    const result = await act(action);
    if (result.ok) setAnnouncement(done);
    else setActionError({ title, error: result.error });
    refresh(true);
  };

  const rotate = async (destination: WebhookDestination): Promise<void> => {
    setActionError(null);
    const result = await act(
      async () => (await graphqlRequest(ROTATE_SECRET_MUTATION, { id: destination.id })).rotateWebhookSecret,
    );
    if (result.ok) {
      setShownSecret({ name: destination.name, secret: result.value.secret });
      setAnnouncement(`A new secret for ${destination.name}; the previous ones still sign until removed.`);
    } else setActionError({ title: `Could not rotate the secret of ${destination.name}.`, error: result.error });
    refresh(true);
  };

  const destinations = data?.webhookDestinations ?? [];
  const columns = [
    { label: 'Name' },
    { label: 'URL' },
    { label: 'Status' },
    { label: 'Secrets', numeric: true },
    { label: 'Retries' },
    { label: 'Actions', hideLabel: true },
  ];

  return (
    <div className={styles.panel}>
      {canManage && <DestinationForm editing={editing} onSave={save} onCancelEdit={() => setEditing(null)} />}
      {shownSecret !== null && (
        <div role="alert" className={pageStyles.notice}>
          <p>
            <strong>Signing secret of {shownSecret.name}</strong> — shown only now; receivers verify the
            webhook-signature header with it (Standard Webhooks).
          </p>
          <p>
            <code className={styles.secret} data-secret="">
              {shownSecret.secret}
            </code>{' '}
            <CopyButton text={shownSecret.secret} label="Copy secret" copiedMessage="Secret copied." />{' '}
            <button type="button" className="btn btn-secondary" onClick={() => setShownSecret(null)}>
              Done
            </button>
          </p>
        </div>
      )}
      <div className={styles.toolbar}>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => refresh()}
          disabled={refreshing}
          aria-busy={refreshing}
        >
          Refresh destinations
        </button>
      </div>
      <LoadErrorAlert title="Could not load the destinations." error={error} />
      <LoadErrorAlert title={actionError?.title ?? ''} error={actionError?.error ?? null} />
      <div className={tableStyles.tableScroll}>
        <DataTable
          caption="Webhook destinations"
          columns={columns}
          loading={loading}
          loadingTitle="Loading destinations…"
          emptyTitle="No destinations yet"
          emptyHint={
            canManage ? 'Add a webhook URL above; rules then send their alerts to it.' : 'Editors add destinations.'
          }
          rows={destinations.map((destination) => {
            const nameId = `destination-${destination.id}-name`;
            const small = `btn btn-secondary ${confirmStyles.smallButton}`;
            return (
              <Fragment key={destination.id}>
                <tr data-destination={destination.name} data-enabled={destination.enabled}>
                  <td id={nameId} className={styles.name}>
                    {destination.name}
                  </td>
                  <td className={`${tableStyles.mono} ${styles.snippet}`}>{destination.url}</td>
                  <td>
                    <span
                      className={`${badgeStyles.badge} ${destination.enabled ? badgeStyles.ok : badgeStyles.inactive}`}
                    >
                      {destination.enabled ? 'Enabled' : 'Disabled'}
                    </span>
                    {destination.disabledReason !== null && (
                      <div className={tableStyles.muted}>{destination.disabledReason}</div>
                    )}
                  </td>
                  <td className={tableStyles.numeric}>{destination.secretCount}</td>
                  <td>
                    {destination.maxAttempts} × {destination.timeoutMs} ms
                  </td>
                  <td className={tableStyles.actionsCell}>
                    <div className={styles.rowActions}>
                      <button
                        type="button"
                        className={small}
                        aria-describedby={nameId}
                        aria-expanded={openLog === destination.id}
                        onClick={() => setOpenLog(openLog === destination.id ? null : destination.id)}
                      >
                        Delivery log
                      </button>
                      {canManage && (
                        <>
                          <SendTestButton
                            destination={destination}
                            nameId={nameId}
                            onSent={() => setOpenLog(destination.id)}
                          />
                          <button
                            type="button"
                            className={small}
                            aria-describedby={nameId}
                            onClick={() => setEditing(destination)}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            className={small}
                            aria-describedby={nameId}
                            onClick={() =>
                              void run(
                                `Could not ${destination.enabled ? 'disable' : 'enable'} ${destination.name}.`,
                                () =>
                                  graphqlRequest(UPDATE_DESTINATION_MUTATION, {
                                    id: destination.id,
                                    input: { enabled: !destination.enabled },
                                  }),
                                `Destination ${destination.name} ${destination.enabled ? 'disabled' : 'enabled'}.`,
                              )
                            }
                          >
                            {destination.enabled ? 'Disable' : 'Enable'}
                          </button>
                          <ConfirmActionControl
                            label="Rotate secret"
                            question="Add a new signing secret? The previous one keeps signing too, until receivers switch."
                            confirmLabel="Yes, rotate"
                            nameId={nameId}
                            onConfirm={() => rotate(destination)}
                          />
                          <ConfirmActionControl
                            label="Delete"
                            question="Delete the destination? Rules stop sending to it."
                            confirmLabel="Yes, delete"
                            nameId={nameId}
                            onConfirm={() =>
                              run(
                                `Could not delete ${destination.name}.`,
                                () => graphqlRequest(DELETE_DESTINATION_MUTATION, { id: destination.id }),
                                `Destination ${destination.name} deleted.`,
                              )
                            }
                          />
                        </>
                      )}
                    </div>
                  </td>
                </tr>
                {openLog === destination.id && (
                  <tr>
                    <td colSpan={columns.length} className={styles.deliveries}>
                      <DestinationDeliveries destination={destination} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        />
      </div>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </div>
  );
}

/** "Send test": queues a test alert, then follows its delivery until it ends (delivered, dead or disabled). */
function SendTestButton({
  destination,
  nameId,
  onSent,
}: {
  destination: WebhookDestination;
  nameId: string;
  onSent: () => void;
}): JSX.Element {
  const [delivery, setDelivery] = useState<WebhookDelivery | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  usePolling(
    () => {
      if (delivery === null) return;
      graphqlRequest(DELIVERIES_QUERY, { filter: { destinationId: destination.id, first: 20 } })
        .then(({ webhookDeliveries }) => {
          const fresh = webhookDeliveries.find((candidate) => candidate.id === delivery.id);
          if (fresh !== undefined) setDelivery(fresh);
        })
        .catch(() => {
          // The next tick tries again; the log below shows the same delivery.
        });
    },
    1_000,
    delivery?.status === 'pending',
  );

  const send = async (): Promise<void> => {
    setPending(true);
    setFailure(null);
    try {
      const { sendTestNotification } = await graphqlRequest(SEND_TEST_MUTATION, { destinationId: destination.id });
      setDelivery(sendTestNotification);
      onSent();
    } catch (caught) {
      setFailure(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setPending(false);
    }
  };

  const last = delivery?.attemptLog.at(-1);
  return (
    <>
      <button
        type="button"
        className={`btn btn-secondary ${confirmStyles.smallButton}`}
        aria-describedby={nameId}
        disabled={pending}
        aria-busy={pending}
        onClick={() => void send()}
      >
        Send test
      </button>
      <p className={styles.result} role="status" data-test-result={delivery?.status ?? ''}>
        {failure !== null && `Could not send: ${failure}`}
        {delivery !== null && (
          <>
            Test <DeliveryStatus status={delivery.status} />
            {last !== undefined &&
              ` HTTP ${last.statusCode ?? '—'} in ${last.durationMs} ms${last.error === null ? '' : ` (${last.error})`}`}
          </>
        )}
      </p>
    </>
  );
}

function DestinationDeliveries({ destination }: { destination: WebhookDestination }): JSX.Element {
  const { data, loading, error, refresh } = useQueryData(`deliveries:${destination.id}`, (signal) =>
    graphqlRequest(DELIVERIES_QUERY, { filter: { destinationId: destination.id, first: 50 } }, { signal }),
  );
  usePolling(() => refresh(true), DELIVERY_POLL_MS, !loading);
  return (
    <>
      <LoadErrorAlert title="Could not load the deliveries." error={error} />
      <DeliveryLog destinationName={destination.name} deliveries={data?.webhookDeliveries ?? []} loading={loading} />
    </>
  );
}
