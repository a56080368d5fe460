import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTERS,
  filtersFromSearchParams,
  filtersToSearchParams,
  parseStatus,
  type RequestFilters,
  timeWindow,
  toFilterInput,
} from './request-filters';

describe('toFilterInput', () => {
  it('leaves the filter out when nothing is chosen', () => {
    expect(toFilterInput(DEFAULT_FILTERS)).toBeUndefined();
  });

  it('maps each chosen field', () => {
    const filters: RequestFilters = { ...DEFAULT_FILTERS, method: 'POST', pathContains: ' /api ', status: '503' };
    expect(toFilterInput(filters)).toEqual({ method: 'POST', pathContains: '/api', status: 503 });
  });

  it('ignores a status that is not a status code', () => {
    expect(toFilterInput({ ...DEFAULT_FILTERS, status: '5000' })).toBeUndefined();
  });
});

describe('parseStatus', () => {
  it('accepts 0..599 and rejects the rest', () => {
    expect(parseStatus('')).toBeUndefined();
    expect(parseStatus('0')).toBe(0);
    expect(parseStatus('404')).toBe(404);
    expect(parseStatus('600')).toBe('invalid');
    expect(parseStatus('4x')).toBe('invalid');
    expect(parseStatus('-1')).toBe('invalid');
  });
});

describe('timeWindow', () => {
  it('ends now and spans the chosen range', () => {
    const now = new Date('2025-06-10T12:00:00.000Z');
    expect(timeWindow('15m', now)).toEqual({ from: '2025-06-10T11:45:00.000Z', to: '2025-06-10T12:00:00.000Z' });
  });
});

describe('search params', () => {
  it('round-trips non-default filters', () => {
    const filters: RequestFilters = {
      range: '6h',
      method: 'GET',
      pathContains: '/api',
      status: '500',
      namespace: 'shop',
      service: 'cart api',
      autoRefresh: false,
    };
    const params = filtersToSearchParams(filters);
    expect(params.toString()).toBe(
      'range=6h&method=GET&path=%2Fapi&status=500&namespace=shop&service=cart+api&refresh=off',
    );
    expect(filtersFromSearchParams(Object.fromEntries(params))).toEqual(filters);
    expect(toFilterInput(filters)).toEqual({
      method: 'GET',
      pathContains: '/api',
      status: 500,
      namespace: 'shop',
      service: 'cart api',
    });
  });

  it('drops a namespace or service longer than the API accepts', () => {
    const long = 'x'.repeat(254);
    expect(filtersFromSearchParams({ namespace: long, service: 'ok' })).toMatchObject({ namespace: '', service: 'ok' });
  });

  it('falls back to defaults for unknown values', () => {
    expect(filtersFromSearchParams({ range: '7d', method: 'BREW' })).toEqual(DEFAULT_FILTERS);
    expect(filtersToSearchParams(DEFAULT_FILTERS).toString()).toBe('');
  });
});
