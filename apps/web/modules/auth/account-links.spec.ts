import { describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../lib/graphql';
import {
  EXISTING_ACCOUNT_PASSWORD_MESSAGE,
  emailError,
  invitationLinkMessage,
  isLinkToken,
  linkFormFailure,
  linkProblem,
  passwordError,
  resetLinkMessage,
} from './account-links';

const badInput = (message: string, field?: string) =>
  new GraphQLRequestError(message, 'BAD_USER_INPUT', 200, [
    { message, extensions: { code: 'BAD_USER_INPUT', ...(field !== undefined ? { field } : {}) } },
  ]);

describe('isLinkToken', () => {
  it('accepts 43 base64url characters only', () => {
    expect(isLinkToken('A'.repeat(43))).toBe(true);
    expect(isLinkToken('abcDEF012_-'.padEnd(43, 'x'))).toBe(true);
    expect(isLinkToken('A'.repeat(42))).toBe(false);
    expect(isLinkToken('A'.repeat(44))).toBe(false);
    expect(isLinkToken(`${'A'.repeat(42)}=`)).toBe(false);
    expect(isLinkToken('')).toBe(false);
  });
});

describe('form checks', () => {
  it('wants 12 to 1024 characters of password', () => {
    expect(passwordError('x'.repeat(11))).toBe('Use at least 12 characters.');
    expect(passwordError('x'.repeat(12))).toBeNull();
    expect(passwordError('x'.repeat(1025))).toBe('Use at most 1024 characters.');
  });

  it('wants an email address', () => {
    expect(emailError(' ops@acme.test ')).toBeNull();
    expect(emailError('')).toBe('Enter your email address.');
    expect(emailError('ops@acme')).toMatch(/like name@example.com/);
  });
});

describe('linkProblem', () => {
  it('reads what the API says about an invitation link', () => {
    expect(linkProblem(badInput('this invitation link is expired', 'token'))).toBe('expired');
    expect(linkProblem(badInput('this invitation link is already used', 'token'))).toBe('used');
    expect(linkProblem(badInput('this invitation link is revoked', 'token'))).toBe('revoked');
    expect(linkProblem(badInput('this invitation link is invalid', 'token'))).toBe('invalid');
  });

  it('reads what the API says about a reset link', () => {
    expect(linkProblem(badInput('this reset link is invalid, expired or already used', 'token'))).toBe('unusable');
    expect(linkProblem(badInput('this reset link is already used', 'token'))).toBe('used');
  });

  it('treats a malformed token as an invalid link', () => {
    expect(linkProblem(badInput('token is malformed'))).toBe('invalid');
    expect(linkProblem(badInput('token is malformed; password must be longer than or equal to 12 characters'))).toBe(
      'invalid',
    );
  });

  it('ignores errors about anything else', () => {
    expect(linkProblem(badInput('password must be longer than or equal to 12 characters'))).toBeNull();
    expect(linkProblem(new GraphQLRequestError('nope', 'INVALID_CREDENTIALS', 200))).toBeNull();
    expect(linkProblem(new Error('boom'))).toBeNull();
  });

  it('explains every problem', () => {
    for (const problem of ['expired', 'used', 'revoked', 'invalid', 'unusable'] as const) {
      expect(invitationLinkMessage(problem).title, problem).toMatch(/^This invitation/);
      expect(resetLinkMessage(problem).title, problem).toMatch(/^This reset link/);
    }
    expect(invitationLinkMessage('expired').title).toBe('This invitation has expired.');
    expect(invitationLinkMessage('used').title).toBe('This invitation was already accepted.');
  });
});

describe('linkFormFailure', () => {
  it('replaces the form when the link cannot be used', () => {
    expect(linkFormFailure(badInput('this invitation link is expired', 'token'), 'x')).toEqual({
      kind: 'link',
      problem: 'expired',
    });
  });

  it('puts a wrong password of an existing account under the field', () => {
    const wrong = new GraphQLRequestError(
      'an account with this email exists; enter its password to accept',
      'INVALID_CREDENTIALS',
      200,
    );
    expect(linkFormFailure(wrong, 'x')).toEqual({
      kind: 'password',
      message: EXISTING_ACCOUNT_PASSWORD_MESSAGE,
      existingAccount: true,
    });
  });

  it('puts a refused new password under the field', () => {
    expect(linkFormFailure(badInput('password must be longer than or equal to 12 characters'), 'x')).toEqual({
      kind: 'password',
      message: 'Password must be longer than or equal to 12 characters.',
      existingAccount: false,
    });
  });

  it('keeps anything else for above the button', () => {
    expect(linkFormFailure(new GraphQLRequestError('Cannot reach the API.', 'API_UNREACHABLE', 502), 'x')).toEqual({
      kind: 'form',
      message: 'Cannot reach the API.',
    });
    expect(linkFormFailure(new Error('boom'), 'Try again.')).toEqual({ kind: 'form', message: 'Try again.' });
  });
});
