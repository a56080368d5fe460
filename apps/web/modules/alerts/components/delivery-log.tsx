'use client';

import type { JSX } from 'react';
import { formatDateTime } from '@/lib/date-format';
import badgeStyles from '@/modules/shell/badge.module.css';
import { DataTable } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import type { WebhookDelivery } from '../alerts.queries';
import styles from '../alerts.module.css';

const STATUS_BADGES: Record<string, string | undefined> = {
  delivered: badgeStyles.ok,
  pending: badgeStyles.info,
  dead: badgeStyles.danger,
  disabled: badgeStyles.inactive,
};

export function DeliveryStatus({ status }: { status: string }): JSX.Element {
  return <span className={`${badgeStyles.badge} ${STATUS_BADGES[status] ?? badgeStyles.inactive}`}>{status}</span>;
}

/** A destination's deliveries, newest first, one row per attempt (a delivery without attempts yet has one row). */
export function DeliveryLog({
  destinationName,
  deliveries,
  loading,
}: {
  destinationName: string;
  deliveries: readonly WebhookDelivery[];
  loading: boolean;
}): JSX.Element {
  return (
    <DataTable
      caption={`Deliveries to ${destinationName}`}
      dense
      columns={[
        { label: 'Created' },
        { label: 'Kind' },
        { label: 'Status' },
        { label: 'Attempt', numeric: true },
        { label: 'HTTP status', numeric: true },
        { label: 'Duration', numeric: true },
        { label: 'Error' },
        { label: 'Response' },
      ]}
      loading={loading}
      loadingTitle="Loading deliveries…"
      emptyTitle="No deliveries yet"
      emptyHint="Send a test, or wait for a rule to notify."
      rows={deliveries.flatMap((delivery) => {
        const attempts = delivery.attemptLog.length > 0 ? delivery.attemptLog : [null];
        return attempts.map((attempt, index) => (
          <tr
            key={`${delivery.id}-${attempt?.attempt ?? 0}`}
            data-delivery={delivery.messageId}
            data-status={delivery.status}
            data-status-code={attempt?.statusCode ?? ''}
          >
            <td>{index === 0 && <time dateTime={delivery.createdAt}>{formatDateTime(delivery.createdAt)}</time>}</td>
            <td>{index === 0 && delivery.kind}</td>
            <td>{index === 0 && <DeliveryStatus status={delivery.status} />}</td>
            <td className={tableStyles.numeric}>{attempt === null ? '—' : attempt.attempt}</td>
            <td className={tableStyles.numeric}>{attempt?.statusCode ?? '—'}</td>
            <td className={tableStyles.numeric}>{attempt === null ? '—' : `${attempt.durationMs} ms`}</td>
            <td className={styles.snippet}>{attempt?.error ?? ''}</td>
            <td className={styles.snippet}>{attempt?.responseSnippet ?? ''}</td>
          </tr>
        ));
      })}
    />
  );
}
