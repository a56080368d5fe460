'use client';

import { type JSX, useState } from 'react';
import { type Role, roleLabel } from '@/modules/auth/roles';
import styles from '../members.module.css';

export interface MemberRoleSelectProps {
  email: string;
  role: string;
  /** Roles the viewer may give this member, the current one included. */
  roles: readonly Role[];
  /** Resolves once the API answered, either way; after an error the select shows the role it had. */
  onChange: (role: string) => Promise<void>;
}

/** A member's role, changed as soon as another one is chosen. */
export function MemberRoleSelect({ email, role, roles, onChange }: MemberRoleSelectProps): JSX.Element {
  // The role on its way to the API; the select shows it until the answer comes.
  const [pending, setPending] = useState<string | null>(null);

  const handleChange = async (next: string): Promise<void> => {
    if (next === role) return;
    setPending(next);
    await onChange(next);
    setPending(null);
  };

  return (
    <select
      className={styles.roleSelect}
      aria-label={`Role for ${email}`}
      value={pending ?? role}
      disabled={pending !== null}
      aria-busy={pending !== null}
      onChange={(event) => void handleChange(event.target.value)}
    >
      {roles.map((option) => (
        <option key={option} value={option}>
          {roleLabel(option)}
        </option>
      ))}
    </select>
  );
}
