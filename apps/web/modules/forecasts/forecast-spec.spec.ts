import { describe, expect, it } from 'vitest';
import { forecastFromSearchParams, forecastsPath, formatMetric, formatPercent } from './forecast-spec';

describe('forecast URL', () => {
  it('round-trips a forecast through the URL', () => {
    const input = {
      source: 'HOST' as const,
      target: 'db 1',
      metric: 'DISK_PERCENT' as const,
      horizonHours: 336,
      intervalPercent: 80,
      threshold: 90,
    };
    const url = new URL(forecastsPath('acme', input), 'http://x');
    expect(url.pathname).toBe('/t/acme/forecasts');
    expect(forecastFromSearchParams(Object.fromEntries(url.searchParams))).toEqual(input);
  });

  it('reads nothing without a source or a target, and defaults what it cannot use', () => {
    expect(forecastFromSearchParams({})).toBeNull();
    expect(forecastFromSearchParams({ source: 'HOST', metric: 'CPU_PERCENT' })).toBeNull();
    expect(forecastFromSearchParams({ source: 'NOPE' })).toBeNull();
    expect(forecastFromSearchParams({ source: 'TENANT', metric: 'CPU_PERCENT', horizon: '9', interval: '50' })).toEqual(
      {
        source: 'TENANT',
        metric: 'INGEST_ROWS_PER_HOUR',
        horizonHours: 168,
        intervalPercent: 95,
      },
    );
  });

  it('formats errors and values', () => {
    expect(formatPercent(4.237)).toBe('4.2 %');
    expect(formatPercent(null)).toBe('–');
    expect(formatMetric(3 * 1024 ** 3, 'B')).toBe('3.0 GiB');
    expect(formatMetric(2048, 'B/s')).toBe('2.0 KiB/s');
    expect(formatMetric(81.234, '%')).toBe('81.2 %');
  });
});
