// SPDX-License-Identifier: Apache-2.0
/** Loads build/Release/bathyscope_native.node once and describes its surface. */
import * as path from 'node:path';

export interface NativeStats {
  submitted: number;
  dropped: number;
  payloadFaults: number;
  delivered: number;
  userDropped: number;
  batches: number;
  inFlightBatches: number;
  pollerNice: number | null;
}

export interface NativeSocketTracerOptions {
  ringBufferBytes?: number;
  payloadCap?: number;
  ignorePids?: number[];
  flushIntervalMs?: number;
  maxBatchBytes?: number;
  maxInFlightBatches?: number;
  maxInFlightBytes?: number;
  maxBlockMs?: number;
  wakeupBytes?: number;
  pollerNice?: number;
  variant?: 'auto' | 'direct' | 'compat';
  tls?: boolean;
  sslLibrary?: string;
}

export interface NativeSocketTracer {
  start(onBatch: (batch: Buffer) => void): Promise<void>;
  ignorePid(pid: number): void;
  unignorePid(pid: number): void;
  stats(): NativeStats;
  close(): void;
  ref(): void;
  unref(): void;
  running(): boolean;
  variant(): 'direct' | 'compat' | null;
  tls(): { library: string | null; error: string | null };
}

export interface NativeAddon {
  SocketTracer: new (options?: NativeSocketTracerOptions) => NativeSocketTracer;
  ensureTracefs(): { mountedNow: boolean };
  ABI_VERSION: number;
  EVENT_HEADER_SIZE: number;
  BATCH_MAGIC: number;
  BATCH_HEADER_SIZE: number;
  MAX_PAYLOAD: number;
  DEFAULT_PAYLOAD: number;
  MAX_IOV: number;
  libbpfVersion: string;
  /** C++ / Rust (legacy and v0) symbol names made readable; anything else is returned unchanged (see lib/demangle.ts). */
  demangle(names: string[]): string[];
}

/** lib/ (tests, ts sources) and dist/ (compiled) both sit next to build/. */
export const ADDON_PATH = path.join(__dirname, '..', 'build', 'Release', 'bathyscope_native.node');

let cached: NativeAddon | undefined;
let cachedError: Error | undefined;

/** The addon, or throws an Error explaining how to build it. */
export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  if (cachedError) throw cachedError;
  try {
    cached = require(ADDON_PATH) as NativeAddon;
    return cached;
  } catch (err) {
    cachedError = new Error(
      `cannot load the socket tracer addon at ${ADDON_PATH}: ${(err as Error).message}. ` +
        'Build it with `npm run build -w @bathyscope/native` (needs clang, bpftool, libbpf-dev, libelf-dev).',
      { cause: err },
    );
    throw cachedError;
  }
}
