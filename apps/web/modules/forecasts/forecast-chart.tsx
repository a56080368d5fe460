'use client';

import { type JSX, useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMetric } from './forecast-spec';
import type { Forecast } from './forecasts.queries';
import styles from './forecasts.module.css';

const HISTORY_COLOR = '#2563eb';
const FORECAST_COLOR = '#7c3aed';
const BAND_FILL = 'rgba(124, 58, 237, 0.15)';
const THRESHOLD_COLOR = '#dc2626';

/** Aligned columns for uPlot: history, then forecast with its bounds, and the threshold across both. */
export function chartData(forecast: Forecast): uPlot.AlignedData {
  const h = forecast.history;
  const p = forecast.points;
  const times = [...h.map((x) => Date.parse(x.time) / 1000), ...p.map((x) => Date.parse(x.time) / 1000)];
  const pad = (n: number) => new Array<number | null>(n).fill(null);
  // The forecast line starts at the last observed value so the two lines join.
  const last = h.at(-1)?.value ?? null;
  const joined = (values: number[]) => [...pad(Math.max(h.length - 1, 0)), ...(h.length ? [last] : []), ...values];
  const threshold = forecast.thresholdCrossing?.threshold ?? null;
  return [
    times,
    [...h.map((x) => x.value), ...pad(p.length)],
    joined(p.map((x) => x.value)),
    joined(p.map((x) => x.upper)),
    joined(p.map((x) => x.lower)),
    times.map(() => threshold),
  ] as uPlot.AlignedData;
}

/**
 * History, forecast, its prediction interval as a band and the threshold, on uPlot (TimeSeriesChart draws lines
 * only; a band needs uPlot's `bands` between two series). A hidden table carries the figures the canvas draws.
 */
export function ForecastChart({ forecast }: { forecast: Forecast }): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const data = useMemo(() => chartData(forecast), [forecast]);
  const unit = forecast.unit;
  const hasThreshold = forecast.thresholdCrossing !== null;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const value = (_u: uPlot, v: number | null) => (v == null ? '–' : formatMetric(v, unit));
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 300),
      height: 320,
      cursor: { drag: { x: false, y: false } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => formatMetric(t, unit)), size: 80 }],
      series: [
        {},
        { label: 'History', stroke: HISTORY_COLOR, width: 1.5, value },
        { label: 'Forecast', stroke: FORECAST_COLOR, width: 2, dash: [6, 4], value },
        { label: `Upper ${forecast.intervalPercent} %`, stroke: BAND_FILL, width: 1, value },
        { label: `Lower ${forecast.intervalPercent} %`, stroke: BAND_FILL, width: 1, value },
        { label: 'Threshold', stroke: THRESHOLD_COLOR, width: 1.5, dash: [2, 4], show: hasThreshold, value },
      ],
      bands: [{ series: [3, 4], fill: BAND_FILL }],
    };
    const chart = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 300), height: 320 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [data, unit, hasThreshold, forecast.intervalPercent]);

  const lastPoint = forecast.points.at(-1);
  const title = `${forecast.target}: history and ${forecast.intervalPercent} % forecast`;
  return (
    <figure
      className={styles.figure}
      aria-label={title}
      data-history-points={forecast.history.length}
      data-forecast-points={forecast.points.length}
    >
      <figcaption className={styles.caption}>{title}</figcaption>
      <div ref={host} />
      <table className={styles.srOnly}>
        <caption>{`${title}: last values`}</caption>
        <tbody>
          <tr>
            <th scope="row">Last observed</th>
            <td>{forecast.history.length ? formatMetric(forecast.history.at(-1)?.value ?? 0, unit) : '–'}</td>
          </tr>
          {lastPoint && (
            <tr>
              <th scope="row">At the horizon</th>
              <td>{`${formatMetric(lastPoint.value, unit)} (${formatMetric(lastPoint.lower, unit)} – ${formatMetric(lastPoint.upper, unit)})`}</td>
            </tr>
          )}
        </tbody>
      </table>
    </figure>
  );
}
