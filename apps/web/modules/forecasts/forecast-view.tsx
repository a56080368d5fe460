'use client';

import { type JSX, useCallback } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useLoaded } from '@/lib/use-loaded';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import { ForecastChart } from './forecast-chart';
import { ForecastForm } from './forecast-form';
import { formatMetric, formatPercent } from './forecast-spec';
import { FORECAST_QUERY, type Forecast, type ForecastInput } from './forecasts.queries';
import styles from './forecasts.module.css';

export interface ForecastViewProps {
  tenantSlug: string;
  input: ForecastInput | null;
}

/** The forecasts page: what to forecast, then the answer in words, its backtest and the chart. */
export function ForecastView({ tenantSlug, input }: ForecastViewProps): JSX.Element {
  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="forecasts-heading">
      {input === null ? (
        <>
          <header className={pageStyles.header}>
            <h1 id="forecasts-heading" className={pageStyles.title}>
              Forecasts
            </h1>
          </header>
          <ForecastForm tenantSlug={tenantSlug} initial={null} />
          <p className={styles.hint}>
            Choose a host, a service or this tenant and a metric: the forecast is fitted on up to 28 days of hourly
            history, with daily and weekly seasonality and a trend.
          </p>
        </>
      ) : (
        <LoadedForecast tenantSlug={tenantSlug} input={input} />
      )}
    </section>
  );
}

function LoadedForecast({ tenantSlug, input }: { tenantSlug: string; input: ForecastInput }): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const load = useCallback(
    async (signal: AbortSignal) => (await graphqlRequest(FORECAST_QUERY, { input }, { signal })).forecast,
    [input],
  );
  const { data: forecast, loading, error, reload } = useLoaded<Forecast>(load, onUnauthenticated);
  return (
    <>
      <PageHeader
        headingId="forecasts-heading"
        title="Forecasts"
        refreshing={loading && forecast !== null}
        onRefresh={reload}
      />
      <ForecastForm tenantSlug={tenantSlug} initial={input} />
      {error?.code === 'NOT_FOUND' ? (
        <p role="status" className={styles.hint}>
          No data: nothing you can see by that name reported in the last 28 days.
        </p>
      ) : (
        <LoadErrorAlert title="Could not compute the forecast." error={error} />
      )}
      {loading && forecast === null && <p className={styles.hint}>Fitting the model…</p>}
      {forecast !== null && <ForecastAnswer forecast={forecast} />}
    </>
  );
}

function ForecastAnswer({ forecast }: { forecast: Forecast }): JSX.Element {
  if (forecast.status === 'NOT_ENOUGH_HISTORY') {
    return (
      <p role="status" className={styles.answer}>
        {`Not enough history to forecast ${forecast.target}: ${forecast.message}.`}
      </p>
    );
  }
  const crossing = forecast.thresholdCrossing;
  const last = forecast.points.at(-1);
  const b = forecast.backtest;
  return (
    <>
      <div className={styles.summaryRow}>
        <p className={styles.answer} data-testid="forecast-answer">
          {crossing ? (
            <strong>{crossing.summary}.</strong>
          ) : (
            last && (
              <>
                In {forecast.points.length} hours: <strong>{formatMetric(last.value, forecast.unit)}</strong> (
                {forecast.intervalPercent} % interval {formatMetric(last.lower, forecast.unit)} –{' '}
                {formatMetric(last.upper, forecast.unit)}).
              </>
            )
          )}{' '}
          {forecast.status === 'CONSTANT'
            ? 'The history does not vary, so the forecast is flat.'
            : `Seasonality: ${forecast.seasonalPeriodsHours.map((p) => (p === 24 ? 'daily' : 'weekly')).join(' + ')}, with trend.`}
        </p>
        <section className={styles.backtest} aria-label="Backtest" data-testid="forecast-backtest">
          <strong>Backtest</strong>
          {b ? (
            <dl>
              <dt>Held out</dt>
              <dd>{b.holdoutPoints} h</dd>
              <dt>MAPE</dt>
              <dd>{formatPercent(b.mape)}</dd>
              <dt>sMAPE</dt>
              <dd>{formatPercent(b.smape)}</dd>
              <dt>MAE</dt>
              <dd>{formatMetric(b.mae, forecast.unit)}</dd>
            </dl>
          ) : (
            <p className={styles.hint}>Too little history to hold a day out.</p>
          )}
        </section>
      </div>
      <ForecastChart forecast={forecast} />
    </>
  );
}
