import { describe, expect, it } from 'vitest';
import { assignableRoles, isRole, roleAtLeast, roleLabel } from './roles';

describe('roles', () => {
  it('orders viewer < editor < admin < owner', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('editor', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'viewer')).toBe(true);
  });

  it('treats a role it does not know as no role', () => {
    expect(isRole('superuser')).toBe(false);
    expect(roleAtLeast('superuser', 'viewer')).toBe(false);
    expect(assignableRoles('superuser')).toEqual([]);
    expect(roleLabel('superuser')).toBe('superuser');
  });

  it('lets a key have at most its creator’s role', () => {
    expect(assignableRoles('admin')).toEqual(['viewer', 'editor', 'admin']);
    expect(assignableRoles('owner')).toEqual(['viewer', 'editor', 'admin', 'owner']);
    expect(assignableRoles('viewer')).toEqual(['viewer']);
  });

  it('labels roles', () => {
    expect(roleLabel('admin')).toBe('Admin');
  });
});
