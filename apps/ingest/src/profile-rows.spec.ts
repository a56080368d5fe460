import {
  decodeProfileBatch,
  encodeProfileBatch,
  type ProfileBatch,
  ProfileEventType,
  WireDecodeError,
} from '@bathyscope/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRowError } from './l7-rows';
import { PROFILE_LIMITS, stackId, toProfileRows } from './profile-rows';

const NOW_US = 1_790_000_000_000_000;
const identity = { tenantId: 7, agentId: 3, retentionDays: 14 };

function valid(): ProfileBatch {
  return {
    stream: 'cpu',
    seq: 1,
    startTimeUs: NOW_US - 10_000_000,
    durationMs: 10_000,
    eventType: ProfileEventType.Cpu,
    dropped: 0,
    stacks: [{ frames: ['busy!bathyscope_hot_spin', 'busy!main'] }, { frames: ['[kernel]!do_syscall_64'] }],
    samples: [
      { pid: 10, tid: 10, processName: 'busy', stackIndex: 0, value: 90 },
      { pid: 10, tid: 11, processName: 'busy', stackIndex: 1, value: 2 },
    ],
  };
}

describe('toProfileRows', () => {
  it('maps a batch to sample and stack rows with the tenant and agent of the credential', () => {
    const { samples, stacks } = toProfileRows(valid(), identity, NOW_US);
    expect(stacks).toHaveLength(2);
    expect(stacks[0]).toMatchObject({
      tenant_id: 7,
      frames: ['busy!bathyscope_hot_spin', 'busy!main'],
      retention_days: 14,
    });
    expect(samples[0]).toMatchObject({ tenant_id: 7, agent_id: 3, pid: 10, event_type: 'cpu', value: 90 });
    expect(samples[0]?.stack_id).toBe(stacks[0]?.stack_id);
    expect(samples[0]?.time).toBe('1789999990.000000');
    // Same frames, same id, whoever sends them; the id is a UInt64 in decimal.
    expect(stackId(['busy!bathyscope_hot_spin', 'busy!main'])).toBe(stacks[0]?.stack_id);
    expect(BigInt(stacks[0]?.stack_id ?? '-1')).toBeLessThan(2n ** 64n);
    expect(stackId(['a', 'b'])).not.toBe(stackId(['a\nb']));
  });

  it('accepts the process identity an agent reads from the cgroup (it is tagged, not stored on the row)', () => {
    const b = valid();
    Object.assign(b.samples[0] as object, {
      containerId: 'c'.repeat(64),
      podUid: '8f3c2a51-1b2c-4d5e-9f00-0123456789ab',
      processStartTime: NOW_US - 3_600_000_000,
    });
    const { samples } = toProfileRows(b, identity, NOW_US);
    expect(Object.keys(samples[0] as object)).not.toContain('containerId');
    expect(Object.keys(samples[0] as object)).not.toContain('pod_uid');
  });

  it('refuses the whole batch for any invalid field', () => {
    const cases: [string, (b: ProfileBatch) => void][] = [
      ['eventType', (b) => (b.eventType = ProfileEventType.Unknown)],
      ['startTimeUs', (b) => (b.startTimeUs = NOW_US + 7200e6)],
      ['startTimeUs', (b) => (b.startTimeUs = 0)],
      ['durationMs', (b) => (b.durationMs = PROFILE_LIMITS.maxDurationMs + 1)],
      ['stacks.frames', (b) => (b.stacks[0] = { frames: [] })],
      ['stacks.frames', (b) => (b.stacks[0] = { frames: ['x\u0000y'] })],
      ['stacks.frames', (b) => (b.stacks[0] = { frames: ['x'.repeat(PROFILE_LIMITS.maxFrameLength + 1)] })],
      ['stacks.frames', (b) => (b.stacks[0] = { frames: new Array(PROFILE_LIMITS.maxFrames + 1).fill('f') })],
      ['stackIndex', (b) => ((b.samples[0] as { stackIndex: number }).stackIndex = 2)],
      ['value', (b) => ((b.samples[0] as { value: number }).value = 0)],
      ['processName', (b) => ((b.samples[0] as { processName: string }).processName = 'a\nb')],
      ['pid', (b) => ((b.samples[0] as { pid: number }).pid = -1)],
      ['containerId', (b) => ((b.samples[0] as { containerId?: string }).containerId = "abc'; DROP")],
      ['containerId', (b) => ((b.samples[0] as { containerId?: string }).containerId = 'a'.repeat(129))],
      ['podUid', (b) => ((b.samples[1] as { podUid?: string }).podUid = 'pod/../x')],
      ['processStartTime', (b) => ((b.samples[0] as { processStartTime?: number }).processStartTime = -5)],
    ];
    for (const [field, mutate] of cases) {
      const b = valid();
      mutate(b);
      expect(() => toProfileRows(b, identity, NOW_US), field).toThrow(InvalidRowError);
      try {
        toProfileRows(b, identity, NOW_US);
      } catch (err) {
        expect((err as InvalidRowError).field).toBe(field);
      }
    }
  });

  it('random bytes through decode + validation raise only WireDecodeError or InvalidRowError', () => {
    const base = encodeProfileBatch(valid());
    const check = (bytes: Uint8Array) => {
      try {
        toProfileRows(decodeProfileBatch(bytes), identity, NOW_US);
      } catch (err) {
        expect(err instanceof WireDecodeError || err instanceof InvalidRowError).toBe(true);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }), (edits) => {
        const copy = Uint8Array.from(base);
        for (const [pos, v] of edits) copy[pos % copy.length] = v;
        check(copy);
      }),
    );
  });
});
