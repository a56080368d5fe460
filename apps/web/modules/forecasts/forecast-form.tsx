'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, type JSX, useState } from 'react';
import { forecastsPath, HORIZONS, METRICS_BY_SOURCE, SOURCE_LABELS } from './forecast-spec';
import type { ForecastInput, ForecastMetric, ForecastSource } from './forecasts.queries';
import styles from './forecasts.module.css';

const SOURCES = Object.keys(SOURCE_LABELS) as ForecastSource[];

/** Chooses what to forecast; submitting puts the choice in the URL, so a forecast can be linked to. */
export function ForecastForm({
  tenantSlug,
  initial,
}: {
  tenantSlug: string;
  initial: ForecastInput | null;
}): JSX.Element {
  const router = useRouter();
  const [source, setSource] = useState<ForecastSource>(initial?.source ?? 'HOST');
  const [metric, setMetric] = useState<ForecastMetric>(initial?.metric ?? 'CPU_PERCENT');
  const [target, setTarget] = useState(initial?.target ?? '');
  const [horizon, setHorizon] = useState(initial?.horizonHours ?? 168);
  const [intervalPercent, setIntervalPercent] = useState(initial?.intervalPercent ?? 95);
  const [threshold, setThreshold] = useState(initial?.threshold === undefined ? '' : String(initial.threshold));
  const [error, setError] = useState<string | null>(null);

  const changeSource = (next: ForecastSource) => {
    setSource(next);
    setMetric(METRICS_BY_SOURCE[next][0]?.metric as ForecastMetric);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = target.trim();
    if (source !== 'TENANT' && name === '') {
      setError(`Enter the ${source === 'HOST' ? 'host' : 'service'} name.`);
      return;
    }
    const limit = threshold.trim() === '' ? undefined : Number(threshold);
    if (limit !== undefined && !Number.isFinite(limit)) {
      setError('The threshold must be a number.');
      return;
    }
    setError(null);
    router.push(
      forecastsPath(tenantSlug, {
        source,
        ...(source === 'TENANT' ? {} : { target: name }),
        metric,
        horizonHours: horizon,
        intervalPercent,
        ...(limit === undefined ? {} : { threshold: limit }),
      }),
    );
  };

  return (
    <form className={styles.form} onSubmit={submit} noValidate aria-label="Forecast">
      <div className={styles.field}>
        <label htmlFor="forecast-source">Source</label>
        <select id="forecast-source" value={source} onChange={(e) => changeSource(e.target.value as ForecastSource)}>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {SOURCE_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      {source !== 'TENANT' && (
        <div className={styles.field}>
          <label htmlFor="forecast-target">{source === 'HOST' ? 'Host' : 'Service'}</label>
          <input
            id="forecast-target"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            maxLength={253}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={error !== null && target.trim() === ''}
          />
        </div>
      )}
      <div className={styles.field}>
        <label htmlFor="forecast-metric">Metric</label>
        <select id="forecast-metric" value={metric} onChange={(e) => setMetric(e.target.value as ForecastMetric)}>
          {METRICS_BY_SOURCE[source].map((m) => (
            <option key={m.metric} value={m.metric}>
              {m.label}
            </option>
          ))}
        </select>
      </div>
      <div className={styles.field}>
        <label htmlFor="forecast-horizon">Horizon</label>
        <select id="forecast-horizon" value={horizon} onChange={(e) => setHorizon(Number(e.target.value))}>
          {HORIZONS.map((h) => (
            <option key={h.hours} value={h.hours}>
              {h.label}
            </option>
          ))}
        </select>
      </div>
      <div className={styles.field}>
        <label htmlFor="forecast-interval">Interval</label>
        <select
          id="forecast-interval"
          value={intervalPercent}
          onChange={(e) => setIntervalPercent(Number(e.target.value))}
        >
          <option value={80}>80 %</option>
          <option value={95}>95 %</option>
        </select>
      </div>
      <div className={styles.field}>
        <label htmlFor="forecast-threshold">Threshold</label>
        <input
          id="forecast-threshold"
          value={threshold}
          onChange={(e) => setThreshold(e.target.value)}
          inputMode="decimal"
          placeholder="e.g. 80"
          autoComplete="off"
        />
      </div>
      <button type="submit" className="btn btn-primary">
        Forecast
      </button>
      {error !== null && (
        <p role="alert" className={styles.formError}>
          {error}
        </p>
      )}
    </form>
  );
}
