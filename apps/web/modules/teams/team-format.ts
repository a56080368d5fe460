// Teams: form checks, the API's answers mapped onto the form, and who can still be added. Pure functions, so
// they are tested without a browser.

import { type ActionError, blamedField } from '../../lib/action-result';
import { asSentence } from '../auth/sign-up-form';
import type { Team } from './teams.queries';

/** The API's rules for TeamInput. */
const TEAM_NAME_PATTERN = /^[\p{L}\p{N} ._-]+$/u;
export const MAX_TEAM_NAME_LENGTH = 80;
export const MAX_TEAM_DESCRIPTION_LENGTH = 500;

/** Why a team name would be refused, or null when it is fine. */
export function teamNameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the team a name, e.g. Payments on-call.';
  if (trimmed.length > MAX_TEAM_NAME_LENGTH) return `Use at most ${MAX_TEAM_NAME_LENGTH} characters.`;
  if (!TEAM_NAME_PATTERN.test(trimmed)) return 'Use letters, digits, spaces, dots, dashes and underscores.';
  return null;
}

export interface TeamFailure {
  /** Under the name field, e.g. "A team named "ops" exists." */
  name?: string;
  description?: string;
  /** Under the form. */
  form?: string;
}

/** Where to show why a team was not created or changed. */
export function teamFailure(error: ActionError): TeamFailure {
  const message = asSentence(error.message);
  const field = blamedField(error);
  // CONFLICT "a team named "ops" exists" names no field: the name is what clashed.
  if (field === 'name' || (error.code === 'CONFLICT' && /\bnamed\b/.test(error.message))) return { name: message };
  if (field === 'description') return { description: message };
  return { form: message };
}

export interface MemberOption {
  userId: string;
  email: string;
}

/** Tenant members who are not in the team yet, by email. */
export function membersToAdd(members: readonly MemberOption[], team: Pick<Team, 'members'>): MemberOption[] {
  const inTeam = new Set(team.members.map((member) => member.userId));
  return members.filter((member) => !inTeam.has(member.userId)).sort((a, b) => a.email.localeCompare(b.email));
}

/** "No members", "1 member", "3 members". */
export function memberCount(count: number): string {
  if (count === 0) return 'No members';
  return `${count} ${count === 1 ? 'member' : 'members'}`;
}
