// Sign-up form rules: the slug suggested from the organisation name, checks made before the API is
// asked, and the API's answers mapped onto fields. Pure functions, so they are tested without a browser.

import { isGraphQLRequestError } from '../../lib/graphql';

export type SignUpField = 'email' | 'password' | 'tenantName' | 'tenantSlug';
export type SignUpValues = Record<SignUpField, string>;
export type SignUpFieldErrors = Partial<Record<SignUpField, string>>;

export const SIGN_UP_FIELDS: readonly SignUpField[] = ['email', 'password', 'tenantName', 'tenantSlug'];

/** As the API checks them (SignUpInput). */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_TENANT_NAME_LENGTH = 100;
export const MAX_SLUG_LENGTH = 63;
export const TENANT_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** Something, an @, something with a dot: enough to catch typos; the API checks the rest. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A tenant slug made from an organisation name: "Acme Café (EU)" → "acme-cafe-eu". Accents are dropped,
 * every run of other characters becomes one dash, and the result fits the API's 63 characters.
 */
export function suggestSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
}

function isSignUpField(value: unknown): value is SignUpField {
  return typeof value === 'string' && (SIGN_UP_FIELDS as readonly string[]).includes(value);
}

/** What is wrong with each field, before anything is sent; empty when the form can be submitted. */
export function validateSignUp(values: SignUpValues): SignUpFieldErrors {
  const errors: SignUpFieldErrors = {};
  const email = values.email.trim();
  if (email === '') errors.email = 'Enter your email address.';
  else if (!EMAIL_PATTERN.test(email)) errors.email = 'Enter an email address like name@example.com.';

  if (values.password.length < MIN_PASSWORD_LENGTH) {
    errors.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  }

  const name = values.tenantName.trim();
  if (name === '') errors.tenantName = 'Enter the name of your organisation.';
  else if (name.length > MAX_TENANT_NAME_LENGTH)
    errors.tenantName = `Use at most ${MAX_TENANT_NAME_LENGTH} characters.`;

  const slug = values.tenantSlug.trim();
  if (slug === '') errors.tenantSlug = 'Choose a tenant slug.';
  else if (!TENANT_SLUG_PATTERN.test(slug)) {
    errors.tenantSlug = `Use 2 to ${MAX_SLUG_LENGTH} lower-case letters, digits and dashes, starting with a letter or digit.`;
  }
  return errors;
}

/** "that tenant slug is taken" → "That tenant slug is taken." */
export function asSentence(message: string): string {
  const trimmed = message.trim();
  if (trimmed === '') return trimmed;
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

export interface SignUpFailure {
  /** Shown next to the field it is about. */
  fields: SignUpFieldErrors;
  /** Shown above the button; null when every error found its field. */
  message: string | null;
}

/**
 * Where to show why sign-up failed. CONFLICT names its field in `extensions.field` (tenantSlug or
 * email); BAD_USER_INPUT lists "<field> must …" messages joined by "; ", which go to their fields.
 */
export function signUpFailure(error: unknown): SignUpFailure {
  if (!isGraphQLRequestError(error)) return { fields: {}, message: 'Sign-up failed. Please try again.' };
  const field = error.errors[0]?.extensions?.field;
  if (error.code === 'CONFLICT' && isSignUpField(field)) {
    return { fields: { [field]: asSentence(error.message) }, message: null };
  }
  if (error.code === 'BAD_USER_INPUT') {
    const fields: SignUpFieldErrors = {};
    const rest: string[] = [];
    for (const part of error.message.split(';').map((text) => text.trim())) {
      if (part === '') continue;
      const named = part.split(/\s/, 1)[0];
      const target = isSignUpField(field) ? field : isSignUpField(named) ? named : undefined;
      if (target !== undefined && fields[target] === undefined) fields[target] = asSentence(part);
      else rest.push(part);
    }
    return { fields, message: rest.length > 0 ? asSentence(rest.join('; ')) : null };
  }
  return { fields: {}, message: error.message };
}
