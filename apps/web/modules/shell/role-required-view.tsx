import type { JSX } from 'react';
import type { Role } from '@/modules/auth/roles';
import styles from './page.module.css';
import { RoleNotice } from './role-notice';

export interface RoleRequiredViewProps {
  /** The page's title, e.g. "API keys". */
  title: string;
  /** The lowest role that may use the page. */
  requiredRole: Role;
  /** What the page is for, e.g. "manage API keys". */
  purpose: string;
  /** The viewer's role in this tenant. */
  currentRole: string;
}

/** Stands in for a page the viewer's role does not allow, instead of a table that would only fail. */
export function RoleRequiredView({ title, requiredRole, purpose, currentRole }: RoleRequiredViewProps): JSX.Element {
  return (
    <section className={styles.page} aria-labelledby="role-required-heading">
      <header className={styles.header}>
        <h1 id="role-required-heading" className={styles.title}>
          {title}
        </h1>
      </header>
      <RoleNotice requiredRole={requiredRole} purpose={purpose} currentRole={currentRole} />
    </section>
  );
}
