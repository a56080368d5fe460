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

const NAV_GROUPS: readonly NavGroup[] = [
  {
    items: [
      { label: 'Service map', segment: 'services/map' },
      { label: 'Services', segment: 'services' },
      { label: 'Request log', segment: 'requests' },
      { label: 'Traces', segment: 'traces' },
      { label: 'Flow log', segment: 'flows' },
      { label: 'Profiles', segment: 'profiles' },
      { label: 'Protocols', segment: 'protocols' },
      { label: 'Network', segment: 'network' },
    ],
  },
  {
    title: 'Alerting',
    items: [
      { label: 'Alerts', segment: 'alerts' },
      { label: 'Forecasts', segment: 'forecasts' },
    ],
  },
  {
    title: 'Fleet',
    items: [
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

/** The item whose path is the longest prefix of the page's (so `services/map` is not also "Services"). */
function currentSegment(pathname: string, base: string): string | undefined {
  let best: string | undefined;
  for (const group of NAV_GROUPS)
    for (const item of group.items) {
      const href = `${base}/${item.segment}`;
      if ((pathname === href || pathname.startsWith(`${href}/`)) && item.segment.length > (best?.length ?? -1))
        best = item.segment;
    }
  return best;
}

export function SideNav({ tenantSlug }: { tenantSlug: string }): JSX.Element {
  const pathname = usePathname();
  const base = `/t/${encodeURIComponent(tenantSlug)}`;
  const current = currentSegment(pathname, base);
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
                return (
                  <li key={item.segment}>
                    <Link
                      href={href}
                      className={styles.navLink}
                      aria-current={current === item.segment ? 'page' : undefined}
                    >
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
