import type { JSX, ReactNode } from 'react';
import { SignOutButton } from '@/modules/auth/sign-out-button';
import { switcherValue } from '@/modules/tenants/tenant-options';
import { TenantSwitcher } from '@/modules/tenants/tenant-switcher';
import type { TenantMembership } from '@/modules/tenants/tenants.queries';
import { Brand } from './brand';
import styles from './console-shell.module.css';
import { SideNav } from './side-nav';

export interface ConsoleShellProps {
  tenantSlug: string;
  /** Absent while the session is unknown (API down, or signed out and about to be redirected). */
  tenantName?: string;
  /** The user's tenants; with more than one, the top bar offers to switch between them. */
  tenants?: readonly TenantMembership[];
  userEmail?: string;
  children: ReactNode;
}

/** Top bar, side navigation and the main area every tenant page renders into. */
export function ConsoleShell({
  tenantSlug,
  tenantName,
  tenants = [],
  userEmail,
  children,
}: ConsoleShellProps): JSX.Element {
  const switchTo = switcherValue(tenants, tenantSlug);
  return (
    <div className={styles.shell}>
      <header className={styles.topbar}>
        <Brand variant="topbar" />
        {switchTo !== undefined ? (
          <TenantSwitcher tenants={tenants} value={switchTo} className={styles.tenantSelect} />
        ) : (
          tenantName !== undefined && (
            <span className={styles.tenant} title={`Tenant: ${tenantSlug}`}>
              <span className="visually-hidden">Tenant: </span>
              {tenantName}
            </span>
          )
        )}
        <div className={styles.spacer} />
        {userEmail !== undefined && (
          <>
            <span className={styles.user}>
              <span className="visually-hidden">Signed in as </span>
              {userEmail}
            </span>
            <SignOutButton className={styles.signOut} />
          </>
        )}
      </header>
      <SideNav tenantSlug={tenantSlug} />
      <main className={styles.main}>{children}</main>
    </div>
  );
}
