import { describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../lib/graphql';
import { asSentence, signUpFailure, suggestSlug, type SignUpValues, validateSignUp } from './sign-up-form';

describe('suggestSlug', () => {
  it('lower-cases the name and joins words with dashes', () => {
    expect(suggestSlug('Acme Corp')).toBe('acme-corp');
    expect(suggestSlug('  Acme  &  Sons, Ltd. ')).toBe('acme-sons-ltd');
    expect(suggestSlug('ACME_42 (EU)')).toBe('acme-42-eu');
  });

  it('drops accents and characters a slug cannot hold', () => {
    expect(suggestSlug('Café Müller')).toBe('cafe-muller');
    expect(suggestSlug('---Über---')).toBe('uber');
    expect(suggestSlug('日本')).toBe('');
  });

  it('fits in 63 characters without a trailing dash', () => {
    const slug = suggestSlug(`${'a'.repeat(62)} b`);
    expect(slug).toBe('a'.repeat(62));
    expect(suggestSlug('x'.repeat(80))).toHaveLength(63);
  });
});

describe('validateSignUp', () => {
  const valid: SignUpValues = {
    email: 'ops@acme.test',
    password: 'correct horse battery',
    tenantName: 'Acme',
    tenantSlug: 'acme',
  };

  it('accepts a complete form', () => {
    expect(validateSignUp(valid)).toEqual({});
  });

  it('flags each field the API would refuse', () => {
    expect(validateSignUp({ email: '', password: 'short', tenantName: ' ', tenantSlug: '' })).toEqual({
      email: 'Enter your email address.',
      password: 'Use at least 12 characters.',
      tenantName: 'Enter the name of your organisation.',
      tenantSlug: 'Choose a tenant slug.',
    });
    expect(validateSignUp({ ...valid, email: 'ops@acme' }).email).toMatch(/like name@example.com/);
    expect(validateSignUp({ ...valid, tenantName: 'n'.repeat(101) }).tenantName).toBe('Use at most 100 characters.');
  });

  it('checks the slug against the API’s pattern', () => {
    for (const slug of ['a', '-acme', 'Acme', 'acme_eu', 'a'.repeat(64)]) {
      expect(validateSignUp({ ...valid, tenantSlug: slug }).tenantSlug, slug).toMatch(/lower-case letters/);
    }
    for (const slug of ['ab', '0-day', 'acme-eu-2', 'a'.repeat(63)]) {
      expect(validateSignUp({ ...valid, tenantSlug: slug }).tenantSlug, slug).toBeUndefined();
    }
  });
});

describe('signUpFailure', () => {
  const conflict = (field: string, message: string) =>
    new GraphQLRequestError(message, 'CONFLICT', 200, [{ message, extensions: { code: 'CONFLICT', field } }]);

  it('puts a conflict next to the field the API names', () => {
    expect(signUpFailure(conflict('tenantSlug', 'that tenant slug is taken'))).toEqual({
      fields: { tenantSlug: 'That tenant slug is taken.' },
      message: null,
    });
    expect(signUpFailure(conflict('email', 'an account with this email exists; sign in instead')).fields).toEqual({
      email: 'An account with this email exists; sign in instead.',
    });
  });

  it('spreads validation messages over their fields and keeps the rest for the form', () => {
    const message = 'password must be longer than or equal to 12 characters; something else went wrong';
    expect(signUpFailure(new GraphQLRequestError(message, 'BAD_USER_INPUT', 200))).toEqual({
      fields: { password: 'Password must be longer than or equal to 12 characters.' },
      message: 'Something else went wrong.',
    });
  });

  it('shows other errors above the button', () => {
    expect(signUpFailure(new GraphQLRequestError('Cannot reach the API.', 'API_UNREACHABLE', 502))).toEqual({
      fields: {},
      message: 'Cannot reach the API.',
    });
    expect(signUpFailure(new Error('boom')).message).toBe('Sign-up failed. Please try again.');
  });
});

describe('asSentence', () => {
  it('capitalises and ends with a full stop once', () => {
    expect(asSentence('that slug is taken')).toBe('That slug is taken.');
    expect(asSentence('Done!')).toBe('Done!');
    expect(asSentence('  ')).toBe('');
  });
});
