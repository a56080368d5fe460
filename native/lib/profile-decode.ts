// SPDX-License-Identifier: Apache-2.0
/**
 * Decodes the Buffer `CpuProfiler.drain()` returns (produced by native/src/profile_session.cc):
 *   u32 magic 'BSP1' | u16 version | u16 sample size (40) | u32 samples | u32 stacks
 *   samples × { u32 pid | u32 tid | i32 user stack id | i32 kernel stack id | u64 count | comm[16] }
 *   stacks  × { u32 id | u32 depth | u64 ip × depth }
 * Counts stay in one typed-array-backed record per (thread, stacks) key; instruction pointers are a
 * BigUint64Array view per stack, so decoding allocates per key and per stack, never per frame.
 */

export const PROFILE_MAGIC = 0x31505342;
export const PROFILE_VERSION = 1;
export const PROFILE_HEADER_SIZE = 16;
export const PROFILE_SAMPLE_SIZE = 40;
/** PROFILE_MAX_DEPTH in bpf/profile.h. */
export const PROFILE_MAX_DEPTH = 127;

export interface ProfileKeyCount {
  pid: number;
  tid: number;
  /** < 0: none (kernel thread) or the negative errno bpf_get_stackid returned. */
  userStackId: number;
  /** < 0: none (the CPU was in user mode) or the negative errno. */
  kernelStackId: number;
  count: number;
  comm: string;
}

export interface DrainedProfile {
  samples: ProfileKeyCount[];
  /** Stack id → instruction pointers, leaf first. */
  stacks: Map<number, BigUint64Array>;
}

export type ProfileDecodeErrorCode = 'truncated' | 'bad_magic' | 'abi_mismatch' | 'bad_depth' | 'duplicate_stack';

export class ProfileDecodeError extends Error {
  constructor(
    readonly code: ProfileDecodeErrorCode,
    readonly offset: number,
    message: string,
  ) {
    super(`profile drain ${code} at byte ${offset}: ${message}`);
  }
}

function comm(buf: Buffer, start: number): string {
  let end = start;
  while (end < start + 16 && buf[end] !== 0) end++;
  return buf.toString('latin1', start, end);
}

export function decodeProfileDrain(input: Buffer): DrainedProfile {
  if (input.length < PROFILE_HEADER_SIZE) throw new ProfileDecodeError('truncated', 0, 'shorter than the header');
  if (input.readUInt32LE(0) !== PROFILE_MAGIC) throw new ProfileDecodeError('bad_magic', 0, 'not a profile drain');
  const version = input.readUInt16LE(4);
  const sampleSize = input.readUInt16LE(6);
  if (version !== PROFILE_VERSION || sampleSize !== PROFILE_SAMPLE_SIZE) {
    throw new ProfileDecodeError('abi_mismatch', 4, `version ${version} / sample size ${sampleSize}: rebuild native/`);
  }
  const nsamples = input.readUInt32LE(8);
  const nstacks = input.readUInt32LE(12);
  let offset = PROFILE_HEADER_SIZE;
  // Checked before allocating: a corrupt count cannot make us reserve memory the buffer does not back.
  if (nsamples > (input.length - offset) / PROFILE_SAMPLE_SIZE) {
    throw new ProfileDecodeError('truncated', 8, `${nsamples} samples do not fit in ${input.length} bytes`);
  }
  const samples: ProfileKeyCount[] = new Array(nsamples);
  for (let i = 0; i < nsamples; i++, offset += PROFILE_SAMPLE_SIZE) {
    samples[i] = {
      pid: input.readUInt32LE(offset),
      tid: input.readUInt32LE(offset + 4),
      userStackId: input.readInt32LE(offset + 8),
      kernelStackId: input.readInt32LE(offset + 12),
      // Counts per interval are far below 2^53.
      count: input.readUInt32LE(offset + 16) + input.readUInt32LE(offset + 20) * 0x1_0000_0000,
      comm: comm(input, offset + 24),
    };
  }
  // One aligned copy of the stack section: BigUint64Array needs 8-byte alignment, which a Buffer
  // slice does not promise.
  const rest = input.length - offset;
  const aligned = new BigUint64Array(Math.ceil(rest / 8));
  new Uint8Array(aligned.buffer).set(input.subarray(offset));
  const stacks = new Map<number, BigUint64Array>();
  let word = 0;
  const words = Math.floor(rest / 8);
  for (let i = 0; i < nstacks; i++) {
    if (word >= words) throw new ProfileDecodeError('truncated', offset + word * 8, `stack ${i} of ${nstacks} missing`);
    const at = offset + word * 8;
    const id = input.readUInt32LE(at);
    const depth = input.readUInt32LE(at + 4);
    if (depth > PROFILE_MAX_DEPTH) throw new ProfileDecodeError('bad_depth', at + 4, `depth ${depth}`);
    if (word + 1 + depth > words) throw new ProfileDecodeError('truncated', at, `stack ${id} needs ${depth} frames`);
    if (stacks.has(id)) throw new ProfileDecodeError('duplicate_stack', at, `stack ${id} twice`);
    stacks.set(id, aligned.subarray(word + 1, word + 1 + depth));
    word += 1 + depth;
  }
  if (word !== words || rest % 8 !== 0) {
    throw new ProfileDecodeError('truncated', offset + word * 8, 'trailing bytes after the last stack');
  }
  return { samples, stacks };
}
