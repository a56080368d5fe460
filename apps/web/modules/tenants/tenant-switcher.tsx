'use client';

import { useRouter } from 'next/navigation';
import { type JSX, useState } from 'react';
import { graphqlRequest, isGraphQLRequestError } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import { requestLogPath } from '@/modules/auth/auth.queries';
import { tenantOptions } from './tenant-options';
import { SWITCH_TENANT_MUTATION, type TenantMembership } from './tenants.queries';

export interface TenantSwitcherProps {
  tenants: readonly TenantMembership[];
  /** The tenant shown as chosen. */
  value: string;
  className?: string;
}

/** "Tenant" select in the top bar: choosing one moves the session there and opens its request log. */
export function TenantSwitcher({ tenants, value, className }: TenantSwitcherProps): JSX.Element {
  const router = useRouter();
  const hydrated = useHydrated();
  // The tenant on its way to the API; shown as chosen until the next page replaces this one.
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const handleChange = async (slug: string): Promise<void> => {
    if (slug === value) return;
    setPending(slug);
    setError(null);
    try {
      const { switchTenant } = await graphqlRequest(SWITCH_TENANT_MUTATION, { slug });
      router.replace(requestLogPath(switchTenant.tenant.slug));
      // Server components (the shell, the page's role checks) render again with the new session.
      router.refresh();
    } catch (caught) {
      if (isGraphQLRequestError(caught) && caught.code === 'UNAUTHENTICATED') {
        router.replace('/login');
        return;
      }
      setError(`Could not switch tenant: ${caught instanceof Error ? caught.message : String(caught)}`);
      setPending(null);
    }
  };

  return (
    <>
      <label htmlFor="tenant-switcher" className="visually-hidden">
        Tenant
      </label>
      <select
        id="tenant-switcher"
        className={className}
        value={pending ?? value}
        disabled={!hydrated || pending !== null}
        aria-busy={pending !== null}
        onChange={(event) => void handleChange(event.target.value)}
      >
        {tenantOptions(tenants).map((option) => (
          <option key={option.slug} value={option.slug} title={option.title}>
            {option.label}
          </option>
        ))}
      </select>
      {error !== null && (
        <span role="alert" className="topbar-error">
          {error}
        </span>
      )}
    </>
  );
}
