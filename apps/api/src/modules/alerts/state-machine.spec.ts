import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertState, INITIAL_STATE, type InstanceState, nextState, type Observation } from './state-machine.js';

const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);
const rule = (forSeconds: number, noData: 'no_data' | 'ok' | 'alerting' = 'no_data') => ({ forSeconds, noData });

function run(
  observations: Observation[],
  forSeconds: number,
  step = 15,
  noData: 'no_data' | 'ok' | 'alerting' = 'no_data',
) {
  let s: InstanceState = INITIAL_STATE;
  const states: AlertState[] = [];
  observations.forEach((o, i) => {
    s = nextState(s, o, rule(forSeconds, noData), t(i * step));
    states.push(s.state);
  });
  return { states, last: s };
}

describe('alert state machine', () => {
  it('fires at once without a for duration and resolves when the condition stops', () => {
    expect(run(['met', 'met', 'not_met', 'not_met'], 0).states).toEqual(['firing', 'firing', 'resolved', 'resolved']);
  });

  it('waits in pending for the for duration', () => {
    const { states, last } = run(['met', 'met', 'met', 'met'], 30);
    expect(states).toEqual(['pending', 'pending', 'firing', 'firing']);
    expect(last.activeAt).toEqual(t(0));
    expect(last.firedAt).toEqual(t(30));
  });

  it('goes back to inactive when the condition stops while pending', () => {
    expect(run(['met', 'not_met', 'met'], 60).states).toEqual(['pending', 'inactive', 'pending']);
  });

  it('fires again after resolving, with a new firedAt', () => {
    const { states, last } = run(['met', 'not_met', 'met'], 0);
    expect(states).toEqual(['firing', 'resolved', 'firing']);
    expect(last.firedAt).toEqual(t(30));
    expect(last.resolvedAt).toBeNull();
  });

  it('follows the no-data policy', () => {
    expect(run(['met', 'no_data'], 0, 15, 'no_data').states).toEqual(['firing', 'no_data']);
    expect(run(['met', 'no_data'], 0, 15, 'ok').states).toEqual(['firing', 'resolved']);
    expect(run(['no_data', 'no_data'], 0, 15, 'alerting').states).toEqual(['firing', 'firing']);
    expect(run(['no_data', 'not_met'], 0, 15, 'no_data').states).toEqual(['no_data', 'inactive']);
  });

  it('never fires before the condition held for the for duration (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Observation>('met', 'not_met'), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 300 }),
        (obs, forSeconds) => {
          let s: InstanceState = INITIAL_STATE;
          let metSince: number | null = null;
          obs.forEach((o, i) => {
            const now = i * 15;
            const before = s.state;
            s = nextState(s, o, rule(forSeconds), t(now));
            if (o === 'met') metSince ??= now;
            else metSince = null;
            if (s.state === 'firing' && before !== 'firing')
              expect(now - (metSince as number)).toBeGreaterThanOrEqual(forSeconds);
            if (o === 'not_met') expect(['inactive', 'resolved']).toContain(s.state);
            if (s.state === 'resolved') expect(before === 'firing' || before === 'resolved').toBe(true);
          });
        },
      ),
    );
  });
});
