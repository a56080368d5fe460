import { describe, expect, it } from 'vitest';
import { groupNameError } from './agent-group-format';

describe('groupNameError', () => {
  it('accepts the names the API accepts', () => {
    for (const name of ['web', 'eu-west-1', 'k8s.prod_2', '9lives']) expect(groupNameError(name), name).toBeNull();
  });

  it('explains what is wrong otherwise', () => {
    expect(groupNameError('')).toMatch(/Give the group a name/);
    expect(groupNameError('-web')).toMatch(/Start with a letter or digit/);
    expect(groupNameError('web servers')).toMatch(/letters, digits/);
    expect(groupNameError('g'.repeat(81))).toBe('Use at most 80 characters.');
  });
});
