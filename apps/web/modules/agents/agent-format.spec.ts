import { describe, expect, it } from 'vitest';
import {
  captureSummary,
  captureWarningMessage,
  captureWarnings,
  configSummary,
  configSync,
  configVersionLabel,
  counterValue,
  distinctProblems,
  droppedEvents,
  formatCount,
  formatMiB,
  formatRelativeTime,
  isNotCapturing,
  MAX_LABELS,
  memoryBytes,
  parseLabels,
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
    configVersion: 0,
    desiredConfigVersion: 0,
    configError: null,
    rssBytes: null,
    revokedAt: null,
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

describe('fleet columns', () => {
  it('reads memory from the check-in, else from the older counter', () => {
    expect(memoryBytes(agent({ rssBytes: 1024 }))).toBe(1024);
    expect(memoryBytes(agent({ counters: [{ name: 'process.rss_bytes', value: 7 }] }))).toBe(7);
    expect(memoryBytes(agent({ rssBytes: 5, counters: [{ name: 'process.rss_bytes', value: 7 }] }))).toBe(5);
    expect(memoryBytes(agent())).toBeUndefined();
  });

  it('sums up capture: OK, or not capturing with the number of distinct problems', () => {
    expect(captureSummary(agent())).toBe('OK');
    expect(captureSummary(agent({ ebpfOk: false }))).toBe('Not capturing');
    expect(captureSummary(agent({ ebpfOk: false, problems: ['no BTF', ' no BTF ', ''] }))).toBe(
      'Not capturing · 1 problem',
    );
    expect(captureSummary(agent({ ebpfOk: false, problems: ['no BTF', 'no tracefs'] }))).toBe(
      'Not capturing · 2 problems',
    );
    expect(distinctProblems([' a ', 'a', '', 'b'])).toEqual(['a', 'b']);
  });

  it('tells whether an agent runs its group configuration', () => {
    expect(configSync(agent({ configVersion: 3, desiredConfigVersion: 3 }))).toBe('current');
    expect(configSync(agent({ configVersion: 2, desiredConfigVersion: 3 }))).toBe('outdated');
    expect(configSync(agent({ configVersion: 2, desiredConfigVersion: 3, configError: '/sampling: bad' }))).toBe(
      'error',
    );
    expect(configSync(agent({ configVersion: 3, desiredConfigVersion: 3, configError: '  ' }))).toBe('current');
    expect(configSync(agent({ lastSeenAt: null, desiredConfigVersion: 3 }))).toBe('unknown');
  });

  it('writes the config column and version labels', () => {
    expect(configSummary(agent({ configVersion: 3, desiredConfigVersion: 3 }))).toBe('v3');
    expect(configSummary(agent({ configVersion: 1, desiredConfigVersion: 3 }))).toBe('v1 → v3');
    expect(configSummary(agent({ lastSeenAt: null, desiredConfigVersion: 2 }))).toBe('— → v2');
    expect(configVersionLabel(0)).toBe('v0 (defaults)');
    expect(configVersionLabel(12)).toBe('v12');
  });
});

describe('parseLabels', () => {
  it('takes one key=value per line, dropping blank lines and repeats', () => {
    expect(parseLabels('team=payments\n\n  tier=web  \nteam=payments\nnote=a, b')).toEqual({
      ok: true,
      labels: ['team=payments', 'tier=web', 'note=a, b'],
    });
    expect(parseLabels('')).toEqual({ ok: true, labels: [] });
    expect(parseLabels('k8s.io/zone=')).toEqual({ ok: true, labels: ['k8s.io/zone='] });
  });

  it('names the first entry that is not a label, as the API would refuse it', () => {
    const refused = parseLabels('team=payments\nno-equals\n=x');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toContain('"no-equals" is not a label');
    expect(parseLabels('-team=x').ok).toBe(false);
    expect(parseLabels(`${'k'.repeat(64)}=v`).ok).toBe(false);
    expect(parseLabels('bell=\u0007').ok).toBe(false);
  });

  it('caps the number of labels', () => {
    const many = Array.from({ length: MAX_LABELS + 1 }, (_, i) => `k${i}=v`).join('\n');
    expect(parseLabels(many)).toEqual({ ok: false, message: `Use at most ${MAX_LABELS} labels.` });
  });
});
