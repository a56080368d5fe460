'use client';

// The package's exports map leaves its stylesheet out, so it is imported by path (the hoisted node_modules).
import '../../../../node_modules/d3-flame-graph/dist/d3-flamegraph.css';
import { type JSX, useEffect, useRef } from 'react';
import type { FlameNode } from './profile-tree';
import styles from './profiles.module.css';

export interface FlameGraphProps {
  root: FlameNode;
  /** Differential colours from each node's `delta`: red grew, blue shrank. */
  differential: boolean;
  /** Frames whose name contains this (case-insensitive) are highlighted. */
  search: string;
  /** Accessible name of the chart. */
  label: string;
}

/**
 * The flame graph, drawn by d3-flame-graph into an SVG. The library touches the DOM and window, so it is loaded
 * in an effect (never during server rendering) and redrawn whole when the data or mode changes.
 */
export function FlameGraph({ root, differential, search, label }: FlameGraphProps): JSX.Element {
  const container = useRef<HTMLElement>(null);
  const chartRef = useRef<{ search(term: string): void; clear(): void; destroy(): void } | null>(null);
  const searchRef = useRef(search);
  searchRef.current = search;

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    let cancelled = false;
    void Promise.all([import('d3-flame-graph'), import('d3-selection')]).then(([flame, d3]) => {
      if (cancelled) return;
      element.replaceChildren();
      const chart = flame
        .default()
        .width(Math.max(320, element.clientWidth))
        .cellHeight(18)
        .transitionDuration(0)
        .minFrameSize(1)
        .sort(true)
        // Plain substring matching: the library's default would compile what the user types as a RegExp.
        .setSearchMatch((d, term) => term !== '' && d.data.name.toLowerCase().includes(term.toLowerCase()))
        // The view shows its own search summary.
        .setSearchHandler(() => {});
      if (differential) chart.computeDelta(true).setColorMapper(flame.colorMapper.differentialColorMapper);
      d3.select(element).datum(root).call(chart);
      chartRef.current = chart;
      if (searchRef.current.trim() !== '') chart.search(searchRef.current.trim());
    });
    return () => {
      cancelled = true;
      chartRef.current?.destroy();
      chartRef.current = null;
      element.replaceChildren();
    };
  }, [root, differential]);

  useEffect(() => {
    const chart = chartRef.current;
    if (chart === null) return;
    if (search.trim() === '') chart.clear();
    else chart.search(search.trim());
  }, [search]);

  return <figure ref={container} className={styles.flameGraph} aria-label={label} data-testid="flame-graph" />;
}
