import { describe, expect, it } from 'vitest';
import {
  captureWarningMessage,
  captureWarnings,
  counterValue,
  droppedEvents,
  formatCount,
  formatMiB,
  formatRelativeTime,
  isNotCapturing,
  stateLabel,
  stateTone,
} from './agent-format';
import type { Agent } from './agents.queries';

function agent(overrides: Partial<Agent> = {}): Agent {
  return {
    id: 1,
    name: 'web-1',
    hostname: 'web-1.internal',
    version: '0.1.0',
    state: 'ONLINE',
    lastSeenAt: '2025-06-10T12:00:00.000Z',
    ebpfOk: true,
    problems: [],
    kernel: '6.8.0',
    counters: [],
    group: null,
    labels: [],
    ...overrides,
  };
}

describe('counters', () => {
  const counters = [
    { name: 'ebpf.dropped', value: 3 },
    { name: 'ebpf.user_dropped', value: 4 },
    { name: 'shipper.rows_shipped', value: 1_234_567 },
    { name: 'process.rss_bytes', value: 50_593_792 },
  ];

  it('reads a counter by name', () => {
    expect(counterValue(counters, 'shipper.rows_shipped')).toBe(1_234_567);
    expect(counterValue(counters, 'shipper.rows_dropped')).toBeUndefined();
  });

  it('adds kernel and user-space drops', () => {
    expect(droppedEvents(counters)).toBe(7);
    expect(droppedEvents([{ name: 'ebpf.user_dropped', value: 2 }])).toBe(2);
    expect(droppedEvents([{ name: 'ebpf.dropped', value: 0 }])).toBe(0);
    expect(droppedEvents([{ name: 'l7.records', value: 9 }])).toBeUndefined();
  });

  it('formats counts with separators and a dash when missing', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(undefined)).toBe('—');
  });

  it('formats memory in MiB', () => {
    expect(formatMiB(50_593_792)).toBe('48.3 MiB');
    expect(formatMiB(0)).toBe('0.0 MiB');
    expect(formatMiB(1024 * 1024 * 1024)).toBe('1024.0 MiB');
    expect(formatMiB(undefined)).toBe('—');
    expect(formatMiB(-1)).toBe('—');
  });
});

describe('formatRelativeTime', () => {
  const now = new Date('2025-06-10T12:00:00.000Z');
  const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();

  it('picks seconds, minutes, hours or days', () => {
    expect(formatRelativeTime(ago(5_400), now)).toBe('5 s ago');
    expect(formatRelativeTime(ago(59_999), now)).toBe('59 s ago');
    expect(formatRelativeTime(ago(60_000), now)).toBe('1 min ago');
    expect(formatRelativeTime(ago(59 * 60_000), now)).toBe('59 min ago');
    expect(formatRelativeTime(ago(2 * 3_600_000 + 5), now)).toBe('2 h ago');
    expect(formatRelativeTime(ago(4 * 86_400_000), now)).toBe('4 d ago');
  });

  it('never reads as the future', () => {
    expect(formatRelativeTime(ago(300), now)).toBe('just now');
    expect(formatRelativeTime(ago(-2_000), now)).toBe('just now');
  });

  it('says Never without a timestamp and passes through what it cannot parse', () => {
    expect(formatRelativeTime(null, now)).toBe('Never');
    expect(formatRelativeTime('soon', now)).toBe('soon');
  });
});

describe('state', () => {
  it('labels and colours each state', () => {
    expect([stateLabel('ONLINE'), stateTone('ONLINE')]).toEqual(['Online', 'ok']);
    expect([stateLabel('DEGRADED'), stateTone('DEGRADED')]).toEqual(['Degraded', 'warning']);
    expect([stateLabel('OFFLINE'), stateTone('OFFLINE')]).toEqual(['Offline', 'inactive']);
    expect([stateLabel('NEVER_SEEN'), stateTone('NEVER_SEEN')]).toEqual(['Never seen', 'inactive']);
  });

  it('copes with a state the console does not know', () => {
    expect(stateLabel('RESTARTING_NOW')).toBe('restarting now');
    expect(stateTone('RESTARTING_NOW')).toBe('inactive');
  });
});

describe('capture warnings', () => {
  it('flags degraded agents and agents without eBPF, not healthy or never-seen ones', () => {
    expect(isNotCapturing(agent())).toBe(false);
    expect(isNotCapturing(agent({ state: 'DEGRADED' }))).toBe(true);
    expect(isNotCapturing(agent({ ebpfOk: false }))).toBe(true);
    expect(isNotCapturing(agent({ state: 'OFFLINE', ebpfOk: false }))).toBe(true);
    expect(isNotCapturing(agent({ state: 'OFFLINE' }))).toBe(false);
    expect(isNotCapturing(agent({ state: 'NEVER_SEEN', ebpfOk: false, lastSeenAt: null }))).toBe(false);
  });

  it('is empty when every agent is fine', () => {
    expect(captureWarnings([])).toEqual([]);
    expect(captureWarnings([agent(), agent({ id: 2, state: 'OFFLINE' })])).toEqual([]);
  });

  it('names each agent that is not capturing with its first problem, in order', () => {
    const warnings = captureWarnings([
      agent(),
      agent({
        id: 2,
        name: 'db-1',
        state: 'DEGRADED',
        ebpfOk: false,
        problems: ['  ', 'BTF is missing: install linux-image with CONFIG_DEBUG_INFO_BTF=y', 'second'],
      }),
      agent({ id: 3, name: 'cache-1', state: 'DEGRADED' }),
      agent({ id: 4, name: 'edge-1', ebpfOk: false }),
    ]);
    expect(warnings.map(captureWarningMessage)).toEqual([
      'Agent db-1 is not capturing: BTF is missing: install linux-image with CONFIG_DEBUG_INFO_BTF=y',
      'Agent cache-1 is not capturing: the agent reports a degraded state',
      'Agent edge-1 is not capturing: eBPF capture is unavailable on this host',
    ]);
    expect(warnings.map((warning) => warning.agentId)).toEqual([2, 3, 4]);
  });
});
