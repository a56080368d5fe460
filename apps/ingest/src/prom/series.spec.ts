import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignalError } from '../signals/signal-error';
import { SERIES_LIMITS, type SeriesInput, seriesId, toPrometheusRows } from './series';

const identity = { tenantId: 3, retentionDays: 14, agentId: 9, plan: 'free' };
const NOW = 1_700_000_000_000;

function refusal(input: SeriesInput[]): SignalError {
  try {
    toPrometheusRows(input, identity, NOW);
  } catch (err) {
    if (err instanceof SignalError) return err;
    throw err;
  }
  throw new Error('accepted');
}

const one = (labels: Record<string, string>, timeMs = NOW, value = 1): SeriesInput => ({
  labels: Object.entries(labels).map(([name, value]) => ({ name, value })),
  samples: [{ timeMs, value }],
});

describe('remote_write series → rows', () => {
  it('the series id depends on the label set, not on its order', () => {
    const labelSet = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string()), {
      selector: ([name]) => name,
      maxLength: 8,
    });
    fc.assert(
      fc.property(labelSet, fc.nat(), (pairs, seed) => {
        const labels = [{ name: '__name__', value: 'm' }, ...pairs.map(([name, value]) => ({ name, value }))];
        const k = seed % labels.length;
        const shuffled = [...labels.slice(k), ...labels.slice(0, k)].reverse();
        const a = toPrometheusRows([{ labels, samples: [{ timeMs: NOW, value: 1 }] }], identity, NOW);
        const b = toPrometheusRows([{ labels: shuffled, samples: [{ timeMs: NOW, value: 1 }] }], identity, NOW);
        expect(a.samples[0]?.series_id).toBe(b.samples[0]?.series_id);
      }),
    );
    expect(seriesId([{ name: 'a', value: 'b' }])).not.toBe(seriesId([{ name: 'a', value: 'c' }]));
    // NUL separators: moving a character between name and value changes the id.
    expect(seriesId([{ name: 'ab', value: 'c' }])).not.toBe(seriesId([{ name: 'a', value: 'bc' }]));
  });

  it('maps labels, times and special values; drops empty labels; one series row per day', () => {
    const day = 86_400_000;
    const rows = toPrometheusRows(
      [
        {
          labels: [
            { name: 'job', value: 'node' },
            { name: '__name__', value: 'up' },
            { name: 'empty', value: '' },
          ],
          samples: [
            { timeMs: NOW - day, value: Number.NaN },
            { timeMs: NOW - 5, value: Number.POSITIVE_INFINITY },
            { timeMs: NOW, value: -2.5 },
          ],
        },
      ],
      identity,
      NOW,
    );
    expect(rows.samples.map((s) => [s.time, s.value])).toEqual([
      ['1699913600.000', 'nan'],
      ['1699999999.995', 'inf'],
      ['1700000000.000', -2.5],
    ]);
    expect(rows.series.map((s) => [s.metric, s.labels, s.last_seen])).toEqual([
      ['up', { job: 'node' }, 1699913600],
      ['up', { job: 'node' }, 1700000000],
    ]);
    expect(rows.series.every((s) => s.tenant_id === 3 && s.retention_days === 14)).toBe(true);
  });

  it.each([
    ['no __name__', [one({ job: 'x' })], 'INVALID_ROW', /no __name__/],
    ['a bad metric name', [one({ __name__: '1x' })], 'INVALID_ROW', /metric name/],
    ['a bad label name', [one({ __name__: 'x', 'a.b': '1' })], 'INVALID_ROW', /label name/],
    ['a negative timestamp', [one({ __name__: 'x' }, -1)], 'INVALID_ROW', /time window/],
    ['a far-future timestamp', [one({ __name__: 'x' }, NOW + 2 * 3600_000)], 'INVALID_ROW', /time window/],
    ['a too-old timestamp', [one({ __name__: 'x' }, NOW - 8 * 86_400_000)], 'INVALID_ROW', /time window/],
    [
      'duplicate labels',
      [
        {
          labels: [
            { name: '__name__', value: 'x' },
            { name: 'a', value: '1' },
            { name: 'a', value: '2' },
          ],
          samples: [],
        },
      ],
      'INVALID_ROW',
      /duplicate label a/,
    ],
    [
      'too many labels',
      [one(Object.fromEntries([['__name__', 'x'], ...Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])]))],
      'LIMIT_EXCEEDED',
      /66 labels/,
    ],
    ['a huge label value', [one({ __name__: 'x', url: 'u'.repeat(3000) })], 'LIMIT_EXCEEDED', /longer than 2048/],
    [
      'too many series',
      Array.from({ length: SERIES_LIMITS.maxSeriesPerRequest + 1 }, (_, i) => one({ __name__: 'x', i: String(i) })),
      'LIMIT_EXCEEDED',
      /series in one request/,
    ],
  ])('refuses %s', (_name, input, code, message) => {
    const err = refusal(input as SeriesInput[]);
    expect(err.code).toBe(code);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(message);
  });
});
