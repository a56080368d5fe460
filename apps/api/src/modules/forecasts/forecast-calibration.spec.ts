import { beforeAll, describe, expect, it } from 'vitest';
import {
  calibrated,
  chooseModel,
  conformalFactor,
  type FitModel,
  loadMstl,
  normalZ,
  widenInterval,
} from './forecast-model.js';

/**
 * Empirical coverage of the prediction intervals on synthetic noisy seasonal series whose future is known: the
 * model is chosen and fitted the way ForecastsService does on the history, and the band is scored on the week
 * that follows. Deterministic (seeded noise), so the figures printed are the same on every run.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

function gaussian(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

const WEEK = 168;
const TWO_PI = 2 * Math.PI;

interface Family {
  name: string;
  historyHours: number;
  make: (hours: number, seed: number) => number[];
}

const FAMILIES: Family[] = [
  {
    // Request-rate-like: daily cycle, slow trend, Gaussian noise.
    name: 'daily + trend, Gaussian noise',
    historyHours: 4 * WEEK,
    make: (hours, seed) => {
      const n = gaussian(seed);
      return Array.from({ length: hours }, (_, i) => 100 + 30 * Math.sin((TWO_PI * i) / 24) + 0.02 * i + 4 * n());
    },
  },
  {
    // Business traffic: daily cycle with weekend dips, heavier-tailed noise (a Gaussian with a random scale).
    name: 'daily + weekly, heavy-tailed noise',
    historyHours: 3 * WEEK,
    make: (hours, seed) => {
      const n = gaussian(seed);
      const u = rng(seed * 31 + 7);
      return Array.from({ length: hours }, (_, i) => {
        const weekend = Math.floor(i / 24) % 7 >= 5 ? -25 : 0;
        const scale = u() < 0.1 ? 3 : 1;
        return 200 + 40 * Math.sin((TWO_PI * i) / 24) + weekend + 5 * scale * n();
      });
    },
  },
  {
    // Host gauge: daily cycle, upward drift, autocorrelated (AR(1), φ = 0.7) noise.
    name: 'daily + drift, AR(1) noise',
    historyHours: 2 * WEEK,
    make: (hours, seed) => {
      const n = gaussian(seed);
      let e = 0;
      return Array.from({ length: hours }, (_, i) => {
        e = 0.7 * e + 1.5 * n();
        return 40 + 10 * Math.sin((TWO_PI * i) / 24) + 0.03 * i + e;
      });
    },
  },
];

const SEEDS = [1, 2, 3, 5, 7, 11];

interface Coverage {
  raw: number;
  calibrated: number;
}

function covered(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  return actual.filter((v, i) => v >= (lower[i] as number) && v <= (upper[i] as number)).length;
}

describe('prediction-interval calibration (split-conformal on the backtest)', () => {
  let mstl: Awaited<ReturnType<typeof loadMstl>>;
  const results = new Map<string, { n: number; c80: Coverage; c95: Coverage }>();

  beforeAll(async () => {
    mstl = await loadMstl();
    for (const family of FAMILIES) {
      const sum = { n: 0, c80: { raw: 0, calibrated: 0 }, c95: { raw: 0, calibrated: 0 } };
      for (const seed of SEEDS) {
        const series = family.make(family.historyHours + WEEK, seed);
        const history = series.slice(0, family.historyHours);
        const actual = series.slice(family.historyHours);
        const choice = chooseModel(mstl, history, WEEK);
        const fit: FitModel = calibrated(choice.fit, choice.scores);
        for (const [level, key] of [
          [0.8, 'c80'],
          [0.95, 'c95'],
        ] as const) {
          const raw = choice.fit(history, WEEK, level);
          const cal = fit(history, WEEK, level);
          sum[key].raw += covered(actual, raw.lower, raw.upper);
          sum[key].calibrated += covered(actual, cal.lower, cal.upper);
          // The point forecast is untouched: calibration only moves the band.
          expect(cal.point).toEqual(raw.point);
        }
        sum.n += actual.length;
      }
      results.set(family.name, sum);
    }
    const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(1)} %`;
    for (const [name, r] of results)
      console.log(
        `${name}: 80 % band ${pct(r.c80.raw, r.n)} → ${pct(r.c80.calibrated, r.n)}, 95 % band ${pct(r.c95.raw, r.n)} → ${pct(r.c95.calibrated, r.n)} (${r.n} held-out hours)`,
      );
  }, 120_000);

  it('covers ≥ 90 % of held-out hours with the 95 % band, in every family of series', () => {
    for (const [name, r] of results) expect(r.c95.calibrated / r.n, name).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps the 80 % band between 72 % and 92 % coverage, overall and per family (not just wider)', () => {
    let n = 0;
    let c = 0;
    for (const [name, r] of results) {
      expect(r.c80.calibrated / r.n, name).toBeGreaterThanOrEqual(0.7);
      expect(r.c80.calibrated / r.n, name).toBeLessThanOrEqual(0.95);
      n += r.n;
      c += r.c80.calibrated;
    }
    expect(c / n).toBeGreaterThanOrEqual(0.72);
    expect(c / n).toBeLessThanOrEqual(0.92);
  });

  it('the uncalibrated bands of the same fits fail these checks: the test can tell', () => {
    const fails = [...results.values()].filter(
      (r) => r.c95.raw / r.n < 0.9 || r.c80.raw / r.n < 0.7 || r.c80.raw / r.n > 0.95,
    );
    expect(fails.length).toBeGreaterThanOrEqual(2);
  });

  it('scales by the score quantile within bounds, and leaves too-short calibrations alone', () => {
    expect(normalZ(0.95)).toBeCloseTo(1.959964, 5);
    expect(normalZ(0.8)).toBeCloseTo(1.281552, 5);
    // 99 scores 0.01 … 0.99 × 4: the 95 % quantile is the 95th (3.8); 3.8 / 1.96 widens by ~1.94.
    const scores = Array.from({ length: 99 }, (_, i) => ((i + 1) / 100) * 4);
    expect(conformalFactor(scores, 0.95)).toBeCloseTo(3.8 / normalZ(0.95), 6);
    // Too wide a model band narrows, but by at most half; an absurd score quantile widens at most 5×.
    expect(
      conformalFactor(
        scores.map((s) => s / 2),
        0.95,
      ),
    ).toBeCloseTo(1.9 / normalZ(0.95), 6);
    expect(
      conformalFactor(
        scores.map((s) => s / 10),
        0.95,
      ),
    ).toBe(0.5);
    expect(
      conformalFactor(
        scores.map((s) => s * 10),
        0.95,
      ),
    ).toBe(5);
    expect(conformalFactor(scores.slice(0, 10), 0.95)).toBe(1);
    const f = widenInterval({ point: [10], lower: [8], upper: [13] }, 2);
    expect(f).toEqual({ point: [10], lower: [6], upper: [16] });
  });
});
