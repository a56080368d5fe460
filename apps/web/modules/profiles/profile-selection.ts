import type { ProfileFilterInput, TimeRangeInput } from './profile.queries';

export const PROFILE_RANGES = [
  { value: '5m', label: 'Last 5 minutes', ms: 5 * 60_000 },
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last 1 hour', ms: 60 * 60_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 60 * 60_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
] as const;
export type ProfileRangeKey = (typeof PROFILE_RANGES)[number]['value'];

/** The second range of a diff: how far before the first it starts. */
export const COMPARE_OPTIONS = [
  { value: '', label: 'Nothing (single profile)' },
  { value: 'previous', label: 'The range just before' },
  { value: '1h', label: 'Same range 1 hour earlier' },
  { value: '24h', label: 'Same range 1 day earlier' },
] as const;
export type CompareKey = (typeof COMPARE_OPTIONS)[number]['value'];

export interface ProfileSelectionState {
  range: ProfileRangeKey;
  service: string;
  process: string;
  compare: CompareKey;
}

export const DEFAULT_SELECTION: ProfileSelectionState = { range: '15m', service: '', process: '', compare: '' };

const MAX_NAME = 253;

type SearchParamValue = string | string[] | undefined;
const first = (v: SearchParamValue): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

export function isRangeKey(value: string): value is ProfileRangeKey {
  return PROFILE_RANGES.some((r) => r.value === value);
}

export function isCompareKey(value: string): value is CompareKey {
  return COMPARE_OPTIONS.some((c) => c.value === value);
}

/** `?range=1h&service=cart&process=node&compare=previous`; anything unknown falls back to the default. */
export function selectionFromSearchParams(params: Record<string, SearchParamValue>): ProfileSelectionState {
  const range = first(params.range);
  const compare = first(params.compare);
  const name = (v: string) => (v.length <= MAX_NAME ? v : '');
  return {
    range: isRangeKey(range) ? range : DEFAULT_SELECTION.range,
    service: name(first(params.service)),
    process: name(first(params.process)),
    compare: isCompareKey(compare) ? compare : '',
  };
}

export function selectionToSearchParams(s: ProfileSelectionState): URLSearchParams {
  const params = new URLSearchParams();
  if (s.range !== DEFAULT_SELECTION.range) params.set('range', s.range);
  if (s.service !== '') params.set('service', s.service);
  if (s.process !== '') params.set('process', s.process);
  if (s.compare !== '') params.set('compare', s.compare);
  return params;
}

export function rangeMs(key: ProfileRangeKey): number {
  return PROFILE_RANGES.find((r) => r.value === key)?.ms ?? 15 * 60_000;
}

/** The window ending at `now`, and the base window it is compared with (null without a comparison). */
export function windows(
  s: ProfileSelectionState,
  now: Date = new Date(),
): { window: TimeRangeInput; base: TimeRangeInput | null } {
  const length = rangeMs(s.range);
  const to = now.getTime();
  const window = { from: new Date(to - length).toISOString(), to: new Date(to).toISOString() };
  const shift =
    s.compare === 'previous' ? length : s.compare === '1h' ? 3_600_000 : s.compare === '24h' ? 86_400_000 : 0;
  if (shift === 0) return { window, base: null };
  return {
    window,
    base: { from: new Date(to - length - shift).toISOString(), to: new Date(to - shift).toISOString() },
  };
}

export function toProfileFilter(s: ProfileSelectionState): ProfileFilterInput {
  const filter: ProfileFilterInput = {};
  if (s.service !== '') filter.service = s.service;
  if (s.process !== '') filter.process = s.process;
  return filter;
}
