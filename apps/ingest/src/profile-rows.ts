import { createHash } from 'node:crypto';
import { type ProfileBatch, ProfileEventType } from '@bathyscope/wire';
import { formatMicros, InvalidRowError, ROW_LIMITS } from './l7-rows';
import { checkProcessIdentity } from './tagging/process-identity';

/** profile_samples row (JSONEachRow). */
export interface ProfileSampleRow {
  tenant_id: number;
  agent_id: number;
  retention_days: number;
  time: string;
  event_type: 'cpu';
  pid: number;
  tid: number;
  process_name: string;
  /** UInt64 as decimal text: ids use all 64 bits. */
  stack_id: string;
  value: number;
}

/** profile_stacks row (JSONEachRow). */
export interface ProfileStackRow {
  tenant_id: number;
  stack_id: string;
  frames: string[];
  last_seen: number;
  retention_days: number;
}

export const PROFILE_LIMITS = {
  maxSamplesPerBatch: 50_000,
  maxStacksPerBatch: 50_000,
  /** 127 kernel + 127 user frames and a little room. */
  maxFrames: 256,
  maxFrameLength: 1024,
  maxProcessName: 64,
  maxDurationMs: 3_600_000,
} as const;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The stack's id in storage: the first 64 bits of SHA-256 over its length-prefixed frames. Computed here, not trusted from the agent,
 * so one stack has one id across agents and restarts (profile_stacks replaces by (tenant, stack_id)).
 */
export function stackId(frames: readonly string[]): string {
  const h = createHash('sha256');
  // Length-prefixed, so no two different frame lists hash the same input.
  for (const f of frames) h.update(`${f.length}:`).update(f);
  return h.digest().readBigUInt64BE(0).toString();
}

/** Validates a whole profile batch and maps it to rows of both tables; any invalid field rejects the batch. */
export function toProfileRows(
  batch: ProfileBatch,
  identity: { tenantId: number; agentId: number; retentionDays: number },
  nowUs: number,
): { samples: ProfileSampleRow[]; stacks: ProfileStackRow[] } {
  if (batch.eventType !== ProfileEventType.Cpu) throw new InvalidRowError(0, 'eventType', 'must be CPU');
  const start = batch.startTimeUs;
  if (!Number.isSafeInteger(start) || start < nowUs - ROW_LIMITS.maxAgeUs || start > nowUs + ROW_LIMITS.maxFutureUs) {
    throw new InvalidRowError(0, 'startTimeUs', 'is outside the accepted time window');
  }
  if (!Number.isInteger(batch.durationMs) || batch.durationMs < 0 || batch.durationMs > PROFILE_LIMITS.maxDurationMs) {
    throw new InvalidRowError(0, 'durationMs', `must be an integer in 0..${PROFILE_LIMITS.maxDurationMs}`);
  }
  if (batch.stacks.length > PROFILE_LIMITS.maxStacksPerBatch) {
    throw new InvalidRowError(PROFILE_LIMITS.maxStacksPerBatch, 'stacks', `exceed ${PROFILE_LIMITS.maxStacksPerBatch}`);
  }
  if (batch.samples.length > PROFILE_LIMITS.maxSamplesPerBatch) {
    throw new InvalidRowError(
      PROFILE_LIMITS.maxSamplesPerBatch,
      'samples',
      `exceed ${PROFILE_LIMITS.maxSamplesPerBatch}`,
    );
  }
  const lastSeen = Math.floor(start / 1e6);
  const ids: string[] = new Array(batch.stacks.length);
  const stacks: ProfileStackRow[] = new Array(batch.stacks.length);
  for (let i = 0; i < batch.stacks.length; i++) {
    const frames = batch.stacks[i]?.frames ?? [];
    if (frames.length === 0 || frames.length > PROFILE_LIMITS.maxFrames) {
      throw new InvalidRowError(i, 'stacks.frames', `must hold 1..${PROFILE_LIMITS.maxFrames} frames`);
    }
    for (const f of frames) {
      if (f.length === 0 || f.length > PROFILE_LIMITS.maxFrameLength || CONTROL_RE.test(f)) {
        throw new InvalidRowError(
          i,
          'stacks.frames',
          `frames must be 1..${PROFILE_LIMITS.maxFrameLength} characters without controls`,
        );
      }
    }
    ids[i] = stackId(frames);
    stacks[i] = {
      tenant_id: identity.tenantId,
      stack_id: ids[i] as string,
      frames,
      last_seen: lastSeen,
      retention_days: identity.retentionDays,
    };
  }
  const time = formatMicros(Math.floor(start / 1000) * 1000);
  const samples: ProfileSampleRow[] = new Array(batch.samples.length);
  for (let i = 0; i < batch.samples.length; i++) {
    const s = batch.samples[i];
    if (!s) throw new InvalidRowError(i, 'samples', 'is missing');
    if (!Number.isInteger(s.pid) || s.pid < 0 || s.pid > 0xffffffff)
      throw new InvalidRowError(i, 'pid', 'must be a u32');
    if (!Number.isInteger(s.tid) || s.tid < 0 || s.tid > 0xffffffff)
      throw new InvalidRowError(i, 'tid', 'must be a u32');
    if (s.processName.length > PROFILE_LIMITS.maxProcessName || CONTROL_RE.test(s.processName)) {
      throw new InvalidRowError(
        i,
        'processName',
        `must be at most ${PROFILE_LIMITS.maxProcessName} characters without controls`,
      );
    }
    if (!Number.isInteger(s.stackIndex) || s.stackIndex < 0 || s.stackIndex >= ids.length) {
      throw new InvalidRowError(i, 'stackIndex', 'does not name a stack of this batch');
    }
    if (!Number.isSafeInteger(s.value) || s.value < 1)
      throw new InvalidRowError(i, 'value', 'must be a positive integer');
    // Not stored on the row: the tagger turns them into the sample's container/pod/namespace tags.
    checkProcessIdentity(i, '', s);
    samples[i] = {
      tenant_id: identity.tenantId,
      agent_id: identity.agentId,
      retention_days: identity.retentionDays,
      time,
      event_type: 'cpu',
      pid: s.pid,
      tid: s.tid,
      process_name: s.processName,
      stack_id: ids[s.stackIndex] as string,
      value: s.value,
    };
  }
  return { samples, stacks };
}
