import { describe, expect, it } from 'vitest';
import { memberCount, membersToAdd, teamFailure, teamNameError } from './team-format';

describe('teamNameError', () => {
  it('accepts the names the API accepts', () => {
    for (const name of ['ops', 'Payments on-call', 'team_2.eu', 'Équipe-Zürich']) {
      expect(teamNameError(name), name).toBeNull();
    }
  });

  it('explains what is wrong otherwise', () => {
    expect(teamNameError('   ')).toMatch(/Give the team a name/);
    expect(teamNameError('ops/sre')).toMatch(/letters, digits/);
    expect(teamNameError('t'.repeat(81))).toBe('Use at most 80 characters.');
  });
});

describe('teamFailure', () => {
  it('puts a taken name under the name field', () => {
    expect(teamFailure({ code: 'CONFLICT', message: 'a team named "ops" exists' })).toEqual({
      name: 'A team named "ops" exists.',
    });
    expect(teamFailure({ code: 'BAD_USER_INPUT', message: 'name may contain letters, digits' })).toEqual({
      name: 'Name may contain letters, digits.',
    });
  });

  it('puts a long description under its field', () => {
    const message = 'description must be shorter than or equal to 500 characters';
    expect(teamFailure({ code: 'BAD_USER_INPUT', message }).description).toBeDefined();
  });

  it('keeps anything else, a refused delete included, for the form', () => {
    expect(
      teamFailure({ code: 'CONFLICT', message: 'team "ops" is used by "payments only"; change those policies first' }),
    ).toEqual({ form: 'Team "ops" is used by "payments only"; change those policies first.' });
    expect(teamFailure({ code: 'FORBIDDEN', message: 'creating teams is not allowed' })).toEqual({
      form: 'Creating teams is not allowed.',
    });
  });
});

describe('membersToAdd', () => {
  it('offers the members who are not in the team, by email', () => {
    const members = [
      { userId: 'u3', email: 'carol@example.test' },
      { userId: 'u1', email: 'alice@example.test' },
      { userId: 'u2', email: 'bob@example.test' },
    ];
    const team = { members: [{ userId: 'u2', email: 'bob@example.test', name: '' }] };
    expect(membersToAdd(members, team).map((member) => member.email)).toEqual([
      'alice@example.test',
      'carol@example.test',
    ]);
  });
});

describe('memberCount', () => {
  it('counts in words', () => {
    expect(memberCount(0)).toBe('No members');
    expect(memberCount(1)).toBe('1 member');
    expect(memberCount(4)).toBe('4 members');
  });
});
