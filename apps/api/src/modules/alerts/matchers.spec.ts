import { describe, expect, it } from 'vitest';
import { inMaintenance, isSilenced, matchesAll } from './matchers.js';

describe('silences and maintenance windows', () => {
  it('matches all matchers, a missing label reading as empty', () => {
    expect(matchesAll([{ label: 'service', op: '=', value: 'a' }], { service: 'a' })).toBe(true);
    expect(matchesAll([{ label: 'service', op: '!=', value: 'a' }], { service: 'a' })).toBe(false);
    expect(matchesAll([{ label: 'env', op: '=', value: '' }], { service: 'a' })).toBe(true);
    expect(
      matchesAll(
        [
          { label: 'service', op: '=', value: 'a' },
          { label: 'env', op: '=', value: 'prod' },
        ],
        { service: 'a', env: 'dev' },
      ),
    ).toBe(false);
  });

  it('silences only between startsAt and endsAt', () => {
    const s = [
      {
        matchers: [{ label: 'service', op: '=' as const, value: 'a' }],
        startsAt: new Date(1000),
        endsAt: new Date(2000),
      },
    ];
    expect(isSilenced(s, { service: 'a' }, new Date(1500))).toBe(true);
    expect(isSilenced(s, { service: 'a' }, new Date(2000))).toBe(false);
    expect(isSilenced(s, { service: 'b' }, new Date(1500))).toBe(false);
  });

  it('recurs daily and weekly in UTC, across midnight', () => {
    const daily = {
      matchers: [],
      recurrence: 'daily',
      startsAt: new Date('2026-01-05T23:30:00Z'),
      endsAt: null,
      durationMinutes: 60,
      weekdays: [],
    };
    expect(inMaintenance(daily, new Date('2026-01-10T23:45:00Z'))).toBe(true);
    expect(inMaintenance(daily, new Date('2026-01-11T00:15:00Z'))).toBe(true);
    expect(inMaintenance(daily, new Date('2026-01-11T00:31:00Z'))).toBe(false);
    expect(inMaintenance(daily, new Date('2026-01-04T23:45:00Z'))).toBe(false);
    // 2026-01-05 is a Monday.
    const weekly = { ...daily, recurrence: 'weekly', startsAt: new Date('2026-01-05T02:00:00Z'), weekdays: [1] };
    expect(inMaintenance(weekly, new Date('2026-01-12T02:30:00Z'))).toBe(true);
    expect(inMaintenance(weekly, new Date('2026-01-13T02:30:00Z'))).toBe(false);
    const once = { ...daily, recurrence: 'none', startsAt: new Date(1000), endsAt: new Date(5000) };
    expect(inMaintenance(once, new Date(4999))).toBe(true);
    expect(inMaintenance(once, new Date(5000))).toBe(false);
  });
});
