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

export interface SignUpInput {
  email: string;
  /** At least 12 characters. */
  password: string;
  tenantName: string;
  /** Lower-case letters, digits and dashes; 2 to 63 characters. */
  tenantSlug: string;
}

/** Creates a tenant and its owner and signs the owner in (sets the session cookie, like login). */
export const SIGN_UP_MUTATION = defineOperation<{ signUp: Viewer }, { input: SignUpInput }>(
  'SignUp',
  `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ${VIEWER_FIELDS} } }`,
);

export const LOGOUT_MUTATION = defineOperation<{ logout: boolean }>('Logout', 'mutation Logout { logout }');

/** Where a signed-in user lands. */
export function requestLogPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/requests`;
}
