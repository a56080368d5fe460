import { describe, expect, it } from 'vitest';
import { endOfDateInputDay, formatDate, formatDateTime, toDateInputValue } from './date-format';

describe('formatDateTime / formatDate', () => {
  it('shows day, month, year and a 24-hour time in the given zone', () => {
    expect(formatDateTime('2025-06-10T12:03:07.123Z', 'UTC')).toBe('10 Jun 2025, 12:03:07');
    expect(formatDateTime('2025-06-10T12:03:07.123Z', 'Europe/Berlin')).toBe('10 Jun 2025, 14:03:07');
    expect(formatDate('2025-06-10T23:30:00Z', 'UTC')).toBe('10 Jun 2025');
    expect(formatDate('2025-06-10T23:30:00Z', 'Asia/Tokyo')).toBe('11 Jun 2025');
  });

  it('passes through what it cannot parse', () => {
    expect(formatDateTime('soon')).toBe('soon');
    expect(formatDate('')).toBe('');
  });
});

describe('date inputs', () => {
  it('gives the local calendar day', () => {
    expect(toDateInputValue(new Date(2025, 0, 5, 23, 59))).toBe('2025-01-05');
  });

  it('ends a day at its last local millisecond', () => {
    expect(endOfDateInputDay('2025-06-10')?.getTime()).toBe(new Date(2025, 5, 10, 23, 59, 59, 999).getTime());
  });

  it('refuses days that do not exist', () => {
    expect(endOfDateInputDay('')).toBeUndefined();
    expect(endOfDateInputDay('2025-02-31')).toBeUndefined();
    expect(endOfDateInputDay('10/06/2025')).toBeUndefined();
  });
});
