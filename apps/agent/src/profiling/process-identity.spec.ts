import { describe, expect, it } from 'vitest';
import { annotateProcesses, type ProcessIdentityFields } from './process-identity';

describe('annotateProcesses', () => {
  it('writes each live process its container, pod and start time, and leaves gone processes and pid 0 bare', () => {
    const known = new Map<number, ProcessIdentityFields>([
      [10, { containerId: 'c'.repeat(64), podUid: '8f3c2a51-1b2c-4d5e-9f00-0123456789ab', startTimeUs: 1_700_000 }],
      [11, { containerId: '', podUid: '', startTimeUs: 1_800_000 }],
    ]);
    const looked: number[] = [];
    const rows: { pid: number; containerId?: string; podUid?: string; processStartTime?: number }[] = [
      { pid: 10 },
      { pid: 10 },
      { pid: 11 },
      { pid: 12 },
      { pid: 0 },
      { pid: 10 },
    ];
    annotateProcesses(rows, (pid) => {
      looked.push(pid);
      return known.get(pid) ?? null;
    });
    expect(rows).toEqual([
      {
        pid: 10,
        containerId: 'c'.repeat(64),
        podUid: '8f3c2a51-1b2c-4d5e-9f00-0123456789ab',
        processStartTime: 1_700_000,
      },
      {
        pid: 10,
        containerId: 'c'.repeat(64),
        podUid: '8f3c2a51-1b2c-4d5e-9f00-0123456789ab',
        processStartTime: 1_700_000,
      },
      { pid: 11, processStartTime: 1_800_000 },
      { pid: 12 },
      { pid: 0 },
      {
        pid: 10,
        containerId: 'c'.repeat(64),
        podUid: '8f3c2a51-1b2c-4d5e-9f00-0123456789ab',
        processStartTime: 1_700_000,
      },
    ]);
    // A run of one pid is looked up once; pid 0 (the kernel, an accepted socket without a process) never.
    expect(looked).toEqual([10, 11, 12, 10]);
  });
});
