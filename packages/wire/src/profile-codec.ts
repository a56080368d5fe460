import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { WireDecodeError } from './codec';

// codec.ts has already switched protobufjs to plain numbers for 64-bit fields (values stay < 2^53).
const root = protobuf.loadSync(path.join(__dirname, '..', 'proto', 'bathyscope', 'v1', 'profile.proto'));
export const ProfileBatchType = root.lookupType('bathyscope.v1.ProfileBatch');

export const INGEST_PROFILES_PATH = '/v1/profiles';

export enum ProfileEventType {
  Unknown = 0,
  Cpu = 1,
}

/** Mirrors `bathyscope.v1.ProfileStack`. */
export interface ProfileStack {
  /** Leaf first. */
  frames: string[];
}

export interface ProfileSample {
  pid: number;
  tid: number;
  processName: string;
  stackIndex: number;
  value: number;
  /**
   * Process identity (proto 6–8), as on request-log rows. Optional when encoding (older agents leave them out); a
   * decoded sample always has them, as ''/0 when absent.
   */
  containerId?: string;
  podUid?: string;
  /** Unix microseconds. */
  processStartTime?: number;
}

export interface ProfileBatch {
  stream: string;
  seq: number;
  startTimeUs: number;
  durationMs: number;
  eventType: ProfileEventType;
  dropped: number;
  stacks: ProfileStack[];
  samples: ProfileSample[];
}

export function encodeProfileBatch(batch: ProfileBatch): Uint8Array {
  // Typed input needs no fromObject pass (which copies every sample): encode reads the plain objects directly.
  return ProfileBatchType.encode(batch).finish();
}

/** Decodes a batch; absent fields read as their defaults, a malformed buffer raises WireDecodeError. */
export function decodeProfileBatch(bytes: Uint8Array): ProfileBatch {
  try {
    return ProfileBatchType.decode(bytes) as unknown as ProfileBatch;
  } catch (err) {
    throw new WireDecodeError(`malformed ProfileBatch: ${(err as Error).message}`);
  }
}
