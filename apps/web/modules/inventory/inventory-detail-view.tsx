'use client';

import Link from 'next/link';
import type { JSX } from 'react';
import { formatDateTime } from '@/lib/date-format';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { fetchConnectorNames } from '@/modules/connectors/use-connectors';
import { useLoaded } from '@/lib/use-loaded';
import { roleAtLeast } from '@/modules/auth/roles';
import badgeStyles from '@/modules/shell/badge.module.css';
import chipStyles from '@/modules/shell/chips.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { type InventoryResource, inventoryPath, inventoryResourcePath } from './inventory.queries';
import { attributeEntries, labelEntries, requestLogHref, resourceKindLabel, sourceLabel } from './inventory-format';
import styles from './inventory.module.css';
import { useInventoryResource } from './use-inventory';

export interface InventoryDetailViewProps {
  tenantSlug: string;
  resourceId: number;
  viewerRole: string;
}

async function noConnectors(): Promise<Array<{ id: string; kind: string; name: string }>> {
  return [];
}

/** One resource: what it is, where it sits in the hierarchy, its labels, attributes, addresses and traffic. */
export function InventoryDetailView({ tenantSlug, resourceId, viewerRole }: InventoryDetailViewProps): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const { resource, loading, refreshing, error, refresh } = useInventoryResource(resourceId, onUnauthenticated);
  const connectors = useLoaded(
    roleAtLeast(viewerRole, 'admin') ? fetchConnectorNames : noConnectors,
    onUnauthenticated,
  );
  const connectorNames = new Map((connectors.data ?? []).map((c) => [c.id, c.name]));

  if (resource === null && error?.code === 'NOT_FOUND') return <ResourceNotFound tenantSlug={tenantSlug} />;

  // Root first: region › az › vpc › subnet › host, or cluster › namespace › workload.
  const chain = resource === null ? [] : [...resource.ancestors].reverse();
  const title = resource === null ? 'Resource' : resource.name || resource.externalId;
  const requestsHref = resource === null ? null : requestLogHref(tenantSlug, resource, resource.ancestors);

  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="resource-heading">
      <nav aria-label="Parent chain">
        <ol className={styles.crumbs}>
          <li>
            <Link href={inventoryPath(tenantSlug)}>Inventory</Link>
          </li>
          {chain.map((ancestor) => (
            <li key={ancestor.id}>
              <Link href={inventoryResourcePath(tenantSlug, ancestor.id)}>
                <span className={styles.crumbKind}>{resourceKindLabel(ancestor.kind)}</span> {ancestor.name}
              </Link>
            </li>
          ))}
        </ol>
      </nav>
      <PageHeader headingId="resource-heading" title={title} refreshing={refreshing} onRefresh={refresh} />

      <LoadErrorAlert title="Could not load the resource." error={error} />
      {loading && resource === null && error === null && <p className={styles.empty}>Loading the resource…</p>}

      {resource !== null && (
        <div className={styles.cards}>
          <ResourceFacts resource={resource} source={sourceLabel(resource.source, connectorNames)} />

          <section className={styles.card} aria-labelledby="resource-telemetry">
            <h2 id="resource-telemetry" className={styles.cardTitle}>
              Telemetry
            </h2>
            <ul className={styles.links}>
              <li>
                <Link
                  className="btn btn-secondary"
                  href={requestsHref ?? `/t/${encodeURIComponent(tenantSlug)}/requests`}
                >
                  {requestsHref === null ? 'Request log' : 'Requests of this resource'}
                </Link>
              </li>
            </ul>
            <p className={styles.empty}>
              {requestsHref === null
                ? `The request log filters by namespace and service; a ${resourceKindLabel(resource.kind).toLowerCase()} is found there through its tagged traffic.`
                : 'Opens the request log filtered on this resource’s namespace and service.'}
            </p>
          </section>

          <section className={styles.card} aria-labelledby="resource-labels">
            <h2 id="resource-labels" className={styles.cardTitle}>
              Labels
            </h2>
            <LabelChips labels={resource.labels} />
          </section>

          <section className={styles.card} aria-labelledby="resource-ips">
            <h2 id="resource-ips" className={styles.cardTitle}>
              IP addresses
            </h2>
            {resource.ips.length === 0 ? (
              <p className={styles.empty}>No addresses.</p>
            ) : (
              <table className={styles.kvTable} aria-labelledby="resource-ips">
                <thead>
                  <tr>
                    <th scope="col">Address</th>
                    <th scope="col">From</th>
                    <th scope="col">To</th>
                  </tr>
                </thead>
                <tbody>
                  {resource.ips.map((interval) => (
                    <tr key={`${interval.ip}-${interval.validFrom}`} data-current={interval.validTo === null}>
                      <td className={styles.mono}>{interval.ip}</td>
                      <td>
                        <time dateTime={interval.validFrom}>{formatDateTime(interval.validFrom)}</time>
                      </td>
                      <td>
                        {interval.validTo === null ? (
                          'now'
                        ) : (
                          <time dateTime={interval.validTo}>{formatDateTime(interval.validTo)}</time>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className={styles.card} aria-labelledby="resource-services">
            <h2 id="resource-services" className={styles.cardTitle}>
              Services selecting it
            </h2>
            {resource.services.length === 0 ? (
              <p className={styles.empty}>None.</p>
            ) : (
              <ul className={styles.links}>
                {resource.services.map((service) => (
                  <li key={service.id}>
                    <Link href={inventoryResourcePath(tenantSlug, service.id)}>{service.name}</Link>
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section className={styles.card} aria-labelledby="resource-attributes">
            <h2 id="resource-attributes" className={styles.cardTitle}>
              Attributes
            </h2>
            <AttributeTable attributes={resource.attributes} />
          </section>
        </div>
      )}
    </section>
  );
}

function ResourceFacts({ resource, source }: { resource: InventoryResource; source: string }): JSX.Element {
  return (
    <section className={styles.card} aria-labelledby="resource-facts">
      <h2 id="resource-facts" className={styles.cardTitle}>
        Resource
      </h2>
      <dl className={styles.facts}>
        <dt>Kind</dt>
        <dd>{resourceKindLabel(resource.kind)}</dd>
        <dt>Name</dt>
        <dd>{resource.name || '—'}</dd>
        <dt>External id</dt>
        <dd className={styles.mono}>{resource.externalId}</dd>
        <dt>Source</dt>
        <dd>{source}</dd>
        <dt>Resource id</dt>
        <dd className={styles.mono}>{resource.id}</dd>
        <dt>First seen</dt>
        <dd>{formatDateTime(resource.firstSeenAt)}</dd>
        <dt>Last seen</dt>
        <dd>{formatDateTime(resource.lastSeenAt)}</dd>
        <dt>Status</dt>
        <dd>
          {resource.deletedAt === null ? (
            <span className={`${badgeStyles.badge} ${badgeStyles.ok}`}>Present</span>
          ) : (
            <span className={`${badgeStyles.badge} ${badgeStyles.inactive}`} title={formatDateTime(resource.deletedAt)}>
              Deleted {formatDateTime(resource.deletedAt)}
            </span>
          )}
        </dd>
      </dl>
    </section>
  );
}

function LabelChips({ labels }: { labels: unknown }): JSX.Element {
  const entries = labelEntries(labels);
  if (entries.length === 0) return <p className={styles.empty}>No labels.</p>;
  return (
    <ul className={chipStyles.chips} aria-label="Labels">
      {entries.map(([key, value]) => (
        <li key={key} className={chipStyles.chip} title={`${key}=${value}`}>
          {key}={value}
        </li>
      ))}
    </ul>
  );
}

function AttributeTable({ attributes }: { attributes: unknown }): JSX.Element {
  const entries = attributeEntries(attributes);
  if (entries.length === 0) return <p className={styles.empty}>No attributes.</p>;
  return (
    <table className={styles.kvTable} aria-labelledby="resource-attributes">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td className={styles.mono}>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ResourceNotFound({ tenantSlug }: { tenantSlug: string }): JSX.Element {
  return (
    <section className={pageStyles.page} aria-labelledby="resource-heading">
      <h1 id="resource-heading" className={pageStyles.title}>
        Resource not found
      </h1>
      <p className={pageStyles.intro}>
        There is no such resource in this tenant. <Link href={inventoryPath(tenantSlug)}>Back to the inventory</Link>
      </p>
    </section>
  );
}
