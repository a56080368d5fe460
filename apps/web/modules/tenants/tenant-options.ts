// The tenant switcher's choices. Pure functions, so they are tested without a browser.

import { roleLabel } from '../auth/roles';
import type { TenantMembership } from './tenants.queries';

export interface TenantOption {
  slug: string;
  /** The tenant's name, with its slug when another tenant of the user has the same name. */
  label: string;
  /** e.g. "Acme (acme) · Owner", for a tooltip. */
  title: string;
}

/** One option per tenant, in the API's order (oldest membership first). */
export function tenantOptions(tenants: readonly TenantMembership[]): TenantOption[] {
  const counts = new Map<string, number>();
  for (const tenant of tenants) counts.set(tenant.name, (counts.get(tenant.name) ?? 0) + 1);
  return tenants.map((tenant) => ({
    slug: tenant.slug,
    label: (counts.get(tenant.name) ?? 0) > 1 ? `${tenant.name} (${tenant.slug})` : tenant.name,
    title: `${tenant.name} (${tenant.slug}) · ${roleLabel(tenant.role)}`,
  }));
}

/**
 * The tenant the switcher shows as chosen: the session's (`current`), else the one the URL names. Undefined
 * when there is nothing to switch between, and the top bar shows the tenant's name instead.
 */
export function switcherValue(tenants: readonly TenantMembership[], urlSlug: string): string | undefined {
  if (tenants.length < 2) return undefined;
  return tenants.find((tenant) => tenant.current)?.slug ?? tenants.find((tenant) => tenant.slug === urlSlug)?.slug;
}
