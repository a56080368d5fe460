import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatEndpoint,
  formatLatency,
  formatStatus,
  formatTime,
  isRedacted,
  statusClass,
  workloadLabel,
  workloadTitle,
} from './request-format';

describe('formatLatency', () => {
  it('picks µs, ms or s by magnitude', () => {
    expect(formatLatency(0)).toBe('0 µs');
    expect(formatLatency(850.4)).toBe('850 µs');
    expect(formatLatency(1_000)).toBe('1 ms');
    expect(formatLatency(1_234)).toBe('1.23 ms');
    expect(formatLatency(12_345)).toBe('12.3 ms');
    expect(formatLatency(123_456)).toBe('123 ms');
    expect(formatLatency(100_000)).toBe('100 ms');
    expect(formatLatency(20_000)).toBe('20 ms');
    expect(formatLatency(999.7)).toBe('1 ms');
    expect(formatLatency(999_700)).toBe('1 s');
    expect(formatLatency(1_250_000)).toBe('1.25 s');
    expect(formatLatency(125_000_000)).toBe('125 s');
    expect(formatLatency(10_000_000)).toBe('10 s');
  });

  it('shows a dash for values that cannot be latencies', () => {
    expect(formatLatency(-1)).toBe('—');
    expect(formatLatency(Number.NaN)).toBe('—');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(100)).toBe('100 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024)).toBe('20 KiB');
    expect(formatBytes(3.25 * 1024 * 1024)).toBe('3.3 MiB');
  });
});

describe('formatTime', () => {
  const now = new Date(2025, 5, 10, 12, 0, 0, 0);

  it('shows local time with milliseconds for today', () => {
    expect(formatTime(new Date(2025, 5, 10, 9, 5, 7, 42).toISOString(), now)).toBe('09:05:07.042');
  });

  it('adds the date for earlier days', () => {
    expect(formatTime(new Date(2025, 5, 9, 23, 59, 59, 999).toISOString(), now)).toBe('2025-06-09 23:59:59.999');
  });

  it('passes through what it cannot parse', () => {
    expect(formatTime('not a date', now)).toBe('not a date');
  });
});

describe('status', () => {
  it('classifies by hundreds', () => {
    expect(statusClass(200)).toBe('2xx');
    expect(statusClass(302)).toBe('3xx');
    expect(statusClass(404)).toBe('4xx');
    expect(statusClass(503)).toBe('5xx');
    expect(statusClass(0)).toBe('none');
  });

  it('names responses that have no status code', () => {
    expect(formatStatus(500, 'server_error')).toBe('500');
    expect(formatStatus(0, 'timeout')).toBe('timeout');
    expect(formatStatus(0, 'client_error')).toBe('client error');
  });
});

describe('formatEndpoint', () => {
  it('brackets IPv6 addresses', () => {
    expect(formatEndpoint('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(formatEndpoint('::1', 8080)).toBe('[::1]:8080');
  });
});

describe('policies on the log', () => {
  it('knows which fields a policy hid', () => {
    const row = { redactedFields: ['path', 'clientIp'] };
    expect(isRedacted(row, 'path')).toBe(true);
    expect(isRedacted(row, 'host')).toBe(false);
  });

  it('names the workload in one short column, with the details in its tooltip', () => {
    const full = { namespace: 'payments', service: 'checkout', environment: 'production' };
    expect(workloadLabel(full)).toBe('payments/checkout');
    expect(workloadTitle(full)).toBe('namespace payments, service checkout, environment production');
    expect(workloadLabel({ ...full, namespace: '' })).toBe('checkout');
    expect(workloadTitle({ namespace: '', service: '', environment: 'staging' })).toBe('environment staging');
    const unknown = { namespace: '', service: '', environment: '' };
    expect(workloadLabel(unknown)).toBe('');
    expect(workloadTitle(unknown)).toBeUndefined();
  });
});
