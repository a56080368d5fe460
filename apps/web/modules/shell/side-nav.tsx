'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { JSX } from 'react';
import styles from './console-shell.module.css';

interface NavItem {
  label: string;
  /** Path below /t/<slug>. */
  segment: string;
}

interface NavGroup {
  /** Shown above the group's links; the first group has none. */
  title?: string;
  items: readonly NavItem[];
}

// Services, flows and profiles slot into the first group.
const NAV_GROUPS: readonly NavGroup[] = [
  {
    items: [
      { label: 'Request log', segment: 'requests' },
      { label: 'Agents', segment: 'agents' },
      { label: 'Inventory', segment: 'inventory' },
      { label: 'Connectors', segment: 'connectors' },
    ],
  },
  {
    title: 'Settings',
    items: [
      { label: 'Members', segment: 'settings/members' },
      { label: 'Teams', segment: 'settings/teams' },
      { label: 'Policies', segment: 'settings/policies' },
      { label: 'API keys', segment: 'settings/api-keys' },
      { label: 'Audit log', segment: 'settings/audit-log' },
    ],
  },
];

export function SideNav({ tenantSlug }: { tenantSlug: string }): JSX.Element {
  const pathname = usePathname();
  const base = `/t/${encodeURIComponent(tenantSlug)}`;
  return (
    <nav className={styles.sidenav} aria-label="Console">
      {NAV_GROUPS.map((group, index) => {
        const titleId = group.title === undefined ? undefined : `nav-group-${index}`;
        return (
          <div key={group.title ?? index} className={styles.navGroup}>
            {group.title !== undefined && (
              <h2 id={titleId} className={styles.navGroupTitle}>
                {group.title}
              </h2>
            )}
            <ul aria-labelledby={titleId}>
              {group.items.map((item) => {
                const href = `${base}/${item.segment}`;
                const current = pathname === href || pathname.startsWith(`${href}/`);
                return (
                  <li key={item.segment}>
                    <Link href={href} className={styles.navLink} aria-current={current ? 'page' : undefined}>
                      {item.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}
