/** States of one alert instance (a rule and the values of its group-by labels). */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved' | 'no_data';

/** What one evaluation saw for the instance. */
export type Observation = 'met' | 'not_met' | 'no_data';

export type NoDataPolicy = 'no_data' | 'ok' | 'alerting';

export interface InstanceState {
  state: AlertState;
  activeAt: Date | null;
  firedAt: Date | null;
  resolvedAt: Date | null;
}

/**
 * inactive → pending → firing → resolved, as in Prometheus: the condition must hold for `forSeconds` while pending
 * before the alert fires (at once when 0); when it stops holding a pending alert goes back to inactive and a
 * firing one resolves. A group without data follows the rule's no-data policy: treated as OK, as alerting, or
 * put into the NO_DATA state (which is not firing, so a firing alert that loses its data is resolved for
 * notifications — the history still says no_data).
 */
export function nextState(
  current: InstanceState,
  observed: Observation,
  rule: { forSeconds: number; noData: NoDataPolicy },
  now: Date,
): InstanceState {
  let o = observed;
  if (o === 'no_data') {
    if (rule.noData === 'ok') o = 'not_met';
    else if (rule.noData === 'alerting') o = 'met';
    else
      return {
        ...current,
        state: 'no_data',
        activeAt: null,
        resolvedAt: current.state === 'firing' ? now : current.resolvedAt,
      };
  }
  if (o === 'met') {
    if (current.state === 'firing') return current;
    const activeAt = current.state === 'pending' && current.activeAt ? current.activeAt : now;
    if (now.getTime() - activeAt.getTime() >= rule.forSeconds * 1000)
      return { state: 'firing', activeAt, firedAt: now, resolvedAt: null };
    return { state: 'pending', activeAt, firedAt: null, resolvedAt: current.resolvedAt };
  }
  if (current.state === 'firing') return { ...current, state: 'resolved', activeAt: null, resolvedAt: now };
  if (current.state === 'pending' || current.state === 'no_data')
    return { ...current, state: 'inactive', activeAt: null };
  return current;
}

export const INITIAL_STATE: InstanceState = { state: 'inactive', activeAt: null, firedAt: null, resolvedAt: null };

export function compare(op: string, value: number, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

export const OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
