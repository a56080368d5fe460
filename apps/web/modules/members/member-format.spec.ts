import { describe, expect, it } from 'vitest';
import {
  INVITATION_STATUS_LABELS,
  inviteEmailError,
  inviteFailure,
  invitationStatus,
  memberActions,
} from './member-format';

describe('invitationStatus', () => {
  const now = new Date('2025-06-10T12:00:00.000Z');
  const pending = { acceptedAt: null, revokedAt: null, expiresAt: '2025-06-17T12:00:00.000Z' };

  it('is pending until accepted, revoked or past its expiry', () => {
    expect(invitationStatus(pending, now)).toBe('pending');
    // The API still takes the link at the very millisecond it expires.
    expect(invitationStatus({ ...pending, expiresAt: now.toISOString() }, now)).toBe('pending');
    expect(invitationStatus({ ...pending, expiresAt: '2025-06-10T11:59:59.999Z' }, now)).toBe('expired');
    expect(invitationStatus({ ...pending, revokedAt: '2025-06-09T00:00:00.000Z' }, now)).toBe('revoked');
    expect(invitationStatus({ ...pending, acceptedAt: '2025-06-09T00:00:00.000Z' }, now)).toBe('accepted');
  });

  it('calls an accepted invitation accepted whatever happened to it later', () => {
    const accepted = { acceptedAt: '2025-06-01T00:00:00.000Z', revokedAt: '2025-06-02T00:00:00.000Z' };
    expect(invitationStatus({ ...accepted, expiresAt: '2025-06-03T00:00:00.000Z' }, now)).toBe('accepted');
  });

  it('calls a revoked invitation revoked even after it would have expired', () => {
    const revoked = { acceptedAt: null, revokedAt: '2025-06-01T00:00:00.000Z', expiresAt: '2025-06-02T00:00:00.000Z' };
    expect(invitationStatus(revoked, now)).toBe('revoked');
  });

  it('labels every status', () => {
    expect(Object.values(INVITATION_STATUS_LABELS)).toEqual(['Pending', 'Accepted', 'Revoked', 'Expired']);
  });
});

describe('memberActions', () => {
  const owner = { userId: 'u-owner', role: 'owner' };
  const admin = { userId: 'u-admin', role: 'admin' };

  it('lets admins give roles up to their own and remove members', () => {
    expect(memberActions(admin, { userId: 'u2', role: 'editor' })).toEqual({
      roles: ['viewer', 'editor', 'admin'],
      canRemove: true,
      reason: null,
    });
    expect(memberActions(admin, { userId: 'u3', role: 'admin' }).roles).toEqual(['viewer', 'editor', 'admin']);
  });

  it('lets only owners change or remove owners', () => {
    expect(memberActions(admin, { userId: 'u4', role: 'owner' })).toEqual({
      roles: [],
      canRemove: false,
      reason: 'Only an owner can change an owner.',
    });
    expect(memberActions(owner, { userId: 'u4', role: 'owner' })).toEqual({
      roles: ['viewer', 'editor', 'admin', 'owner'],
      canRemove: true,
      reason: null,
    });
  });

  it('leaves the viewer’s own row alone', () => {
    const own = memberActions(owner, { userId: 'u-owner', role: 'owner' });
    expect(own.roles).toEqual([]);
    expect(own.canRemove).toBe(false);
    expect(own.reason).toMatch(/Another admin or owner/);
  });

  it('offers nothing to lower roles', () => {
    for (const role of ['viewer', 'editor', 'superuser']) {
      const actions = memberActions({ userId: 'u9', role }, { userId: 'u2', role: 'viewer' });
      expect(actions, role).toEqual({
        roles: [],
        canRemove: false,
        reason: 'You need the admin role to change members.',
      });
    }
  });

  it('does not offer a select for a role the console does not know', () => {
    expect(memberActions(owner, { userId: 'u2', role: 'auditor' }).roles).toEqual([]);
  });
});

describe('inviteEmailError', () => {
  it('accepts addresses and explains what is wrong otherwise', () => {
    expect(inviteEmailError(' new.person@example.test ')).toBeNull();
    expect(inviteEmailError('  ')).toBe('Enter the email address to invite.');
    expect(inviteEmailError('new.person@example')).toMatch(/like name@example.com/);
    expect(inviteEmailError(`${'a'.repeat(250)}@b.io`)).toBe('Use at most 254 characters.');
  });
});

describe('inviteFailure', () => {
  it('puts a conflict or a bad address under the email field', () => {
    expect(inviteFailure({ code: 'CONFLICT', message: 'a@b.test is already a member', field: 'email' })).toEqual({
      email: 'A@b.test is already a member.',
    });
    expect(inviteFailure({ code: 'BAD_USER_INPUT', message: 'email must be an email' })).toEqual({
      email: 'Email must be an email.',
    });
  });

  it('puts a role above the inviter’s own under the role select', () => {
    expect(inviteFailure({ code: 'FORBIDDEN', message: 'you cannot grant a role above your own (admin)' })).toEqual({
      role: 'You cannot grant a role above your own (admin).',
    });
    expect(inviteFailure({ code: 'BAD_USER_INPUT', message: 'role must be one of …' }).role).toBeDefined();
  });

  it('keeps anything else for the form', () => {
    expect(inviteFailure({ code: 'RATE_LIMITED', message: 'too many requests' })).toEqual({
      form: 'Too many requests.',
    });
    const lost = 'inviting members needs the admin role or higher (you are viewer)';
    expect(inviteFailure({ code: 'FORBIDDEN', message: lost })).toEqual({
      form: 'Inviting members needs the admin role or higher (you are viewer).',
    });
  });
});
