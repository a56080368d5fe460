// Members and invitations: who may change whom, invitation status, invite form checks and the API's
// answers mapped onto the form. Pure functions, so they are tested without a browser.

import type { ActionError } from '../../lib/action-result';
import { assignableRoles, type Role, roleAtLeast } from '../auth/roles';
import { asSentence, EMAIL_PATTERN } from '../auth/sign-up-form';
import type { Invitation, Member } from './members.queries';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

/**
 * Accepted wins (someone joined, whatever happened to the link later), then revoked (a decision), then
 * expired (only a date). The API refuses a link once `expiresAt` has passed.
 */
export function invitationStatus(
  invitation: Pick<Invitation, 'acceptedAt' | 'revokedAt' | 'expiresAt'>,
  now: Date = new Date(),
): InvitationStatus {
  if (invitation.acceptedAt !== null) return 'accepted';
  if (invitation.revokedAt !== null) return 'revoked';
  if (new Date(invitation.expiresAt).getTime() < now.getTime()) return 'expired';
  return 'pending';
}

export const INVITATION_STATUS_LABELS: Record<InvitationStatus, string> = {
  pending: 'Pending',
  accepted: 'Accepted',
  revoked: 'Revoked',
  expired: 'Expired',
};

/** pending blue (waiting on the invitee), accepted green, expired amber, revoked grey. */
export const INVITATION_STATUS_TONES: Record<InvitationStatus, 'info' | 'ok' | 'warning' | 'inactive'> = {
  pending: 'info',
  accepted: 'ok',
  expired: 'warning',
  revoked: 'inactive',
};

export interface MemberActions {
  /** Roles the viewer may give this member (including the current one); empty when it cannot be changed here. */
  roles: Role[];
  canRemove: boolean;
  /** Why the viewer cannot change this member; null when they can. */
  reason: string | null;
}

function noActions(reason: string): MemberActions {
  return { roles: [], canRemove: false, reason };
}

/**
 * What the viewer may do to a member, as the API decides it: admins and owners change roles up to their own
 * and remove members; only owners change or remove owners. A user's own row is left alone here: demoting or
 * removing yourself is done by another admin or owner (and the API keeps the last owner in any case).
 */
export function memberActions(
  viewer: { userId: string; role: string },
  member: Pick<Member, 'userId' | 'role'>,
): MemberActions {
  if (!roleAtLeast(viewer.role, 'admin')) {
    return noActions('You need the admin role to change members.');
  }
  if (member.userId === viewer.userId) {
    return noActions('Another admin or owner can change your role.');
  }
  if (member.role === 'owner' && viewer.role !== 'owner') {
    return noActions('Only an owner can change an owner.');
  }
  const roles = assignableRoles(viewer.role);
  if (!(roles as string[]).includes(member.role)) {
    // A role the console does not know: leave it to the API rather than offer a select that hides it.
    return noActions(`The console does not know the role ${member.role}.`);
  }
  return { roles, canRemove: true, reason: null };
}

/** As the API checks InviteMemberInput.email. */
export const MAX_EMAIL_LENGTH = 254;

/** Why the invite email would be refused, or null when it is fine. */
export function inviteEmailError(email: string): string | null {
  const trimmed = email.trim();
  if (trimmed === '') return 'Enter the email address to invite.';
  if (trimmed.length > MAX_EMAIL_LENGTH) return `Use at most ${MAX_EMAIL_LENGTH} characters.`;
  if (!EMAIL_PATTERN.test(trimmed)) return 'Enter an email address like name@example.com.';
  return null;
}

export interface InviteFailure {
  /** Under the email field, e.g. "ops@acme.test is already a member." */
  email?: string;
  /** Under the role select, e.g. a role above the inviter's own. */
  role?: string;
  /** Under the form. */
  form?: string;
}

/** Where to show why an invitation was not sent. */
export function inviteFailure(error: ActionError): InviteFailure {
  const message = asSentence(error.message);
  if (error.field === 'email' || /^email\b/.test(error.message)) return { email: message };
  // "you cannot grant a role above your own (admin)"; other refusals (a role lost meanwhile) go to the form.
  if (error.code === 'FORBIDDEN' && /\bgrant\b/.test(error.message)) return { role: message };
  if (error.code === 'BAD_USER_INPUT' && /^(unknown )?role\b/.test(error.message)) return { role: message };
  return { form: message };
}
