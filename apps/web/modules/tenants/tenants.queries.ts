import { defineOperation } from '@/lib/graphql';
import type { Viewer } from '@/modules/auth/auth.queries';

/** A tenant the signed-in user belongs to. */
export interface TenantMembership {
  slug: string;
  name: string;
  /** The user's role there. */
  role: string;
  /** The tenant of the current session. */
  current: boolean;
}

export const MY_TENANTS_QUERY = defineOperation<{ myTenants: TenantMembership[] }>(
  'MyTenants',
  'query MyTenants { myTenants { slug name role current } }',
);

/** Replaces the session cookie with one for that tenant; NOT_FOUND for a tenant the user is not in. */
export const SWITCH_TENANT_MUTATION = defineOperation<{ switchTenant: Viewer }, { slug: string }>(
  'SwitchTenant',
  'mutation SwitchTenant($slug: String!) { switchTenant(slug: $slug) { userId email role tenant { id slug name } } }',
);
