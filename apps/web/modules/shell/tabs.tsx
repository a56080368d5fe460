'use client';

import { type JSX, type KeyboardEvent, type ReactNode, useRef, useState } from 'react';
import styles from './tabs.module.css';

export interface TabItem {
  /** Unique within the tabs; makes the ids of the tab and its panel. */
  id: string;
  label: string;
  content: ReactNode;
}

export interface TabsProps {
  /** Prefix of the ids, unique on the page. */
  id: string;
  /** Names the tab list, e.g. "Install method". */
  label: string;
  tabs: readonly TabItem[];
}

/**
 * Tabs in the ARIA pattern: a tab list (arrow keys, Home and End move between tabs) and the chosen tab's
 * panel, named by its tab. Only the chosen panel is rendered.
 */
export function Tabs({ id, label, tabs }: TabsProps): JSX.Element {
  const [selected, setSelected] = useState(0);
  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const current = tabs[Math.min(selected, tabs.length - 1)];

  const choose = (index: number): void => {
    const next = (index + tabs.length) % tabs.length;
    setSelected(next);
    tabRefs.current[next]?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = {
      ArrowRight: selected + 1,
      ArrowLeft: selected - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    choose(target);
  };

  return (
    <div className={styles.tabs}>
      <div role="tablist" aria-label={label} className={styles.tabList} onKeyDown={onKeyDown}>
        {tabs.map((tab, index) => (
          <button
            key={tab.id}
            ref={(element) => {
              tabRefs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${tab.id}`}
            aria-selected={index === selected}
            aria-controls={`${id}-panel-${tab.id}`}
            tabIndex={index === selected ? 0 : -1}
            className={styles.tab}
            onClick={() => setSelected(index)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {current !== undefined && (
        <div
          role="tabpanel"
          id={`${id}-panel-${current.id}`}
          aria-labelledby={`${id}-tab-${current.id}`}
          className={styles.panel}
        >
          {current.content}
        </div>
      )}
    </div>
  );
}
