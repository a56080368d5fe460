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

export interface AcceptInvitationInput {
  /** From the link `<console>/invite/<token>`. */
  token: string;
  /** A new password (12 characters at least) without an account yet, else the account's password. */
  password: string;
}

/** Joins the invitation's tenant (creating the account if need be) and signs in to it (sets the session cookie). */
export const ACCEPT_INVITATION_MUTATION = defineOperation<
  { acceptInvitation: Viewer },
  { input: AcceptInvitationInput }
>(
  'AcceptInvitation',
  `mutation AcceptInvitation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { ${VIEWER_FIELDS} } }`,
);

/** Mails `<console>/reset-password/<token>` (1 hour) if the account exists; always answers true. */
export const REQUEST_PASSWORD_RESET_MUTATION = defineOperation<{ requestPasswordReset: boolean }, { email: string }>(
  'RequestPasswordReset',
  'mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }',
);

export interface ResetPasswordInput {
  /** From the link `<console>/reset-password/<token>`. */
  token: string;
  password: string;
}

/** Sets the new password (the link works once) and signs the user out everywhere. */
export const RESET_PASSWORD_MUTATION = defineOperation<{ resetPassword: boolean }, { input: ResetPasswordInput }>(
  'ResetPassword',
  'mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) }',
);

export const LOGOUT_MUTATION = defineOperation<{ logout: boolean }>('Logout', 'mutation Logout { logout }');

/** Where a signed-in user lands. */
export function requestLogPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/requests`;
}
