'use client';

import { type JSX, useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import styles from './charts.module.css';

export interface ChartSeries {
  label: string;
  /** One value per timestamp of the chart; null where there was no data. */
  values: ReadonlyArray<number | null>;
  /** CSS colour; a palette colour by position when omitted. */
  color?: string;
}

export interface TimeSeriesChartProps {
  /** Names the figure for assistive technology and tests. */
  title: string;
  /** Seconds since the epoch, ascending. */
  timestamps: readonly number[];
  series: readonly ChartSeries[];
  /** Appended to values on the axis and in the legend, e.g. "ms", "req/s", "%". */
  unit?: string;
  height?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

function formatValue(v: number | null | undefined, unit: string): string {
  if (v == null || Number.isNaN(v)) return '–';
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return `${v.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

/**
 * A time-series line chart on uPlot (canvas: thousands of points per series stay cheap). The figure also carries
 * a visually hidden table of the last value per series, so screen readers and browser tests read the numbers the
 * canvas draws.
 */
export function TimeSeriesChart({
  title,
  timestamps,
  series,
  unit = '',
  height = 220,
}: TimeSeriesChartProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => formatValue(t, unit)), size: 70 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => formatValue(v, unit),
        })),
      ],
    };
    const data = [Array.from(timestamps), ...series.map((s) => Array.from(s.values))] as uPlot.AlignedData;
    const chart = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [timestamps, series, unit, height]);

  return (
    <figure className={styles.figure} aria-label={title} data-points={timestamps.length}>
      <figcaption className={styles.caption}>{title}</figcaption>
      <div ref={host} className={styles.plot} />
      <table className={styles.srOnly}>
        <caption>{`${title}: last values`}</caption>
        <tbody>
          {series.map((s) => (
            <tr key={s.label} data-series={s.label}>
              <th scope="row">{s.label}</th>
              <td>{formatValue(lastValue(s.values), unit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function lastValue(values: ReadonlyArray<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v != null) return v;
  }
  return null;
}
