import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTERS,
  filtersFromSearchParams,
  filtersToSearchParams,
  idError,
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
      ...DEFAULT_FILTERS,
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

  it('round-trips the inventory, id and protocol filters, lower-casing ids for the API', () => {
    const trace = 'AB'.repeat(16);
    const filters: RequestFilters = {
      ...DEFAULT_FILTERS,
      workload: 'api',
      pod: 'api-1',
      host: 'node 1',
      traceId: trace,
      spanId: '0123456789abcdef',
      xRequestId: 'req-1',
      protocol: 'dns',
      endpoint: 'GET /users/{id}',
      resource: 'SELECT 1',
    };
    const params = filtersToSearchParams(filters);
    expect(params.get('trace')).toBe(trace);
    expect(params.get('requestId')).toBe('req-1');
    expect(filtersFromSearchParams(Object.fromEntries(params))).toEqual(filters);
    expect(toFilterInput(filters)).toEqual({
      workload: 'api',
      pod: 'api-1',
      host: 'node 1',
      traceId: trace.toLowerCase(),
      spanId: '0123456789abcdef',
      xRequestId: 'req-1',
      protocol: 'dns',
      endpoint: 'GET /users/{id}',
      resource: 'SELECT 1',
    });
  });

  it('leaves out a trace or span id that is not hex of the right length, and says why', () => {
    expect(toFilterInput({ ...DEFAULT_FILTERS, traceId: "x' OR 1=1", spanId: 'abc' })).toBeUndefined();
    expect(idError('traceId', 'abc')).toBe('A trace ID is 32 hexadecimal digits.');
    expect(idError('spanId', '0123456789abcdef')).toBeNull();
    expect(idError('pod', 'anything')).toBeNull();
  });

  it('falls back to defaults for unknown values', () => {
    expect(filtersFromSearchParams({ range: '7d', method: 'BREW', protocol: 'smtp' })).toEqual(DEFAULT_FILTERS);
    expect(filtersToSearchParams(DEFAULT_FILTERS).toString()).toBe('');
  });
});
