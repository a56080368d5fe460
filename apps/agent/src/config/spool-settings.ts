import * as path from 'node:path';
import { DEFAULT_SPOOL_MAX_AGE_SECONDS, DEFAULT_SPOOL_MAX_BYTES, type SpoolSettings } from '../shipper/l7-shipper';

/**
 * The spool's disk bounds are a property of the host (how much of its disk the agent may use), so they come from
 * the agent's flags and environment, not from the group configuration: hosts of one group can have very different
 * disks, and the group document's schema stays as it is (every stored configuration stays valid). The row bound
 * (`spool.maxPendingRows`) is still the group's.
 */
export interface SpoolFlags {
  'spool-dir'?: string;
  'spool-max-bytes'?: string;
  'spool-max-age'?: string;
  'spool-fsync-ms'?: string;
}

export const MIN_SPOOL_BYTES = 1 << 20;

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};
const AGE_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

export class SpoolSettingsError extends Error {}

/** "256MiB", "1g", "5000000" → bytes. */
export function parseByteSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) throw new SpoolSettingsError(`"${value}" is not a size (e.g. 512MiB, 2G, 1000000)`);
  return Math.floor(Number(m[1]) * unit);
}

/** "6h", "90m", "3600" → seconds. */
export function parseAgeSeconds(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]?)\s*$/i.exec(value);
  const unit = AGE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) throw new SpoolSettingsError(`"${value}" is not a duration (e.g. 3600, 90m, 6h, 2d)`);
  return Number(m[1]) * unit;
}

/** Flags win over the environment; `spoolDir` "none" keeps batches in memory only. */
export function spoolSettings(flags: SpoolFlags, env: NodeJS.ProcessEnv, stateDir: string): SpoolSettings {
  const dirValue = flags['spool-dir'] ?? env.BATHYSCOPE_SPOOL_DIR ?? path.join(stateDir, 'agent', 'spool');
  const bytesValue = flags['spool-max-bytes'] ?? env.BATHYSCOPE_SPOOL_MAX_BYTES;
  const ageValue = flags['spool-max-age'] ?? env.BATHYSCOPE_SPOOL_MAX_AGE;
  const fsyncValue = flags['spool-fsync-ms'] ?? env.BATHYSCOPE_SPOOL_FSYNC_MS;
  const maxBytes = bytesValue ? parseByteSize(bytesValue) : DEFAULT_SPOOL_MAX_BYTES;
  if (maxBytes < MIN_SPOOL_BYTES) throw new SpoolSettingsError(`spool max bytes ${maxBytes} is under 1 MiB`);
  const maxAgeSeconds = ageValue ? parseAgeSeconds(ageValue) : DEFAULT_SPOOL_MAX_AGE_SECONDS;
  if (!(maxAgeSeconds >= 1)) throw new SpoolSettingsError('spool max age must be at least 1 s');
  let fsyncIntervalMs = 1000;
  if (fsyncValue !== undefined && fsyncValue !== '') {
    if (!/^\d+$/.test(fsyncValue.trim()))
      throw new SpoolSettingsError(`spool fsync interval "${fsyncValue}" is not ms`);
    fsyncIntervalMs = Number(fsyncValue);
  }
  return {
    dir: dirValue === 'none' ? null : path.resolve(dirValue),
    maxBytes,
    maxAgeSeconds,
    fsyncIntervalMs,
  };
}
