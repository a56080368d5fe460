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

// Services, flows and profiles slot in here.
const NAV_ITEMS: readonly NavItem[] = [
  { label: 'Request log', segment: 'requests' },
  { label: 'Agents', segment: 'agents' },
];

export function SideNav({ tenantSlug }: { tenantSlug: string }): JSX.Element {
  const pathname = usePathname();
  const base = `/t/${encodeURIComponent(tenantSlug)}`;
  return (
    <nav className={styles.sidenav} aria-label="Console">
      <ul>
        {NAV_ITEMS.map((item) => {
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
    </nav>
  );
}
