import { defineOperation } from '@/lib/graphql';

export interface Tenant {
  id: number;
  slug: string;
  name: string;
}

export interface Viewer {
  userId: string;
  email: string;
  role: string;
  tenant: Tenant;
}

const VIEWER_FIELDS = 'userId email role tenant { id slug name }';

export const ME_QUERY = defineOperation<{ me: Viewer | null }>('Me', `query Me { me { ${VIEWER_FIELDS} } }`);

export interface LoginInput {
  email: string;
  password: string;
  tenantSlug?: string;
}

export const LOGIN_MUTATION = defineOperation<{ login: Viewer }, { input: LoginInput }>(
  'Login',
  `mutation Login($input: LoginInput!) { login(input: $input) { ${VIEWER_FIELDS} } }`,
);

export const LOGOUT_MUTATION = defineOperation<{ logout: boolean }>('Logout', 'mutation Logout { logout }');

/** Where a signed-in user lands. */
export function requestLogPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/requests`;
}
