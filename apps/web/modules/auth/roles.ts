// Tenant roles as the API orders them: each role can do what the ones before it can.
// Pure functions, so they are tested without a browser.

export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `role` is `minimum` or higher; a role the console does not know counts as the lowest. */
export function roleAtLeast(role: string, minimum: Role): boolean {
  return isRole(role) && ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/** Roles a user may give an API key: their own and the ones below it. */
export function assignableRoles(role: string): Role[] {
  return isRole(role) ? ROLES.slice(0, ROLES.indexOf(role) + 1) : [];
}

const ROLE_LABELS: Record<Role, string> = { viewer: 'Viewer', editor: 'Editor', admin: 'Admin', owner: 'Owner' };

export function roleLabel(role: string): string {
  return isRole(role) ? ROLE_LABELS[role] : role;
}
