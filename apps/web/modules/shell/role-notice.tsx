import type { JSX } from 'react';
import { type Role, roleLabel } from '@/modules/auth/roles';
import styles from './page.module.css';

export interface RoleNoticeProps {
  /** The lowest role that may do it. */
  requiredRole: Role;
  /** What the viewer cannot do, e.g. "manage API keys". */
  purpose: string;
  /** The viewer's role in this tenant. */
  currentRole: string;
}

/** The amber notice: "You need the admin role to …", the viewer's role, and whom to ask. */
export function RoleNotice({ requiredRole, purpose, currentRole }: RoleNoticeProps): JSX.Element {
  return (
    <div className={styles.notice}>
      <p>
        <strong>
          You need the {requiredRole} role to {purpose}.
        </strong>
      </p>
      <p>
        Your role in this tenant is {roleLabel(currentRole).toLowerCase()}. Ask an owner or an admin of the tenant if
        you need access.
      </p>
    </div>
  );
}
