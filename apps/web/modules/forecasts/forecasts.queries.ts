import { defineOperation } from '@/lib/graphql';

export type ForecastSource = 'SERVICE' | 'HOST' | 'TENANT';
export type ForecastMetric =
  | 'REQUEST_RATE'
  | 'CPU_PERCENT'
  | 'MEMORY_PERCENT'
  | 'DISK_PERCENT'
  | 'NETWORK_BYTES_PER_SECOND'
  | 'INGEST_ROWS_PER_HOUR'
  | 'STORAGE_BYTES';

export interface ForecastInput {
  source: ForecastSource;
  target?: string;
  metric: ForecastMetric;
  horizonHours: number;
  intervalPercent: number;
  threshold?: number;
}

export interface Forecast {
  source: ForecastSource;
  target: string;
  metric: ForecastMetric;
  unit: string;
  status: 'OK' | 'CONSTANT' | 'NOT_ENOUGH_HISTORY';
  message: string;
  seasonalPeriodsHours: number[];
  missingHistoryPoints: number;
  intervalPercent: number;
  fitMs: number;
  history: { time: string; value: number }[];
  points: { time: string; value: number; lower: number; upper: number }[];
  backtest: { holdoutPoints: number; mape: number | null; smape: number; mae: number } | null;
  thresholdCrossing: {
    threshold: number;
    direction: string;
    alreadyCrossed: boolean;
    at: string | null;
    hours: number | null;
    earliestAt: string | null;
    latestAt: string | null;
    summary: string;
  } | null;
}

export const FORECAST_QUERY = defineOperation<{ forecast: Forecast }, { input: ForecastInput }>(
  'Forecast',
  `query Forecast($input: ForecastInput!) {
    forecast(input: $input) {
      source target metric unit status message seasonalPeriodsHours missingHistoryPoints intervalPercent fitMs
      history { time value }
      points { time value lower upper }
      backtest { holdoutPoints mape smape mae }
      thresholdCrossing { threshold direction alreadyCrossed at hours earliestAt latestAt summary }
    }
  }`,
);
