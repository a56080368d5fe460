import { describe, expect, it } from 'vitest';
import { parseAgeSeconds, parseByteSize, SpoolSettingsError, spoolSettings } from './spool-settings';

describe('spool settings from flags and environment', () => {
  it('defaults to a disk spool in the state directory, 256 MiB, 24 h, fsync every second', () => {
    expect(spoolSettings({}, {}, '/var/lib/b')).toEqual({
      dir: '/var/lib/b/agent/spool',
      maxBytes: 256 << 20,
      maxAgeSeconds: 86_400,
      fsyncIntervalMs: 1000,
    });
  });

  it('flags win over the environment; "none" keeps batches in memory', () => {
    const env = { BATHYSCOPE_SPOOL_MAX_BYTES: '2G', BATHYSCOPE_SPOOL_MAX_AGE: '6h', BATHYSCOPE_SPOOL_DIR: '/data/s' };
    expect(spoolSettings({ 'spool-max-bytes': '512MiB', 'spool-fsync-ms': '0' }, env, '/s')).toEqual({
      dir: '/data/s',
      maxBytes: 512 << 20,
      maxAgeSeconds: 6 * 3600,
      fsyncIntervalMs: 0,
    });
    expect(spoolSettings({ 'spool-dir': 'none' }, env, '/s').dir).toBeNull();
  });

  it('parses sizes and durations, and refuses what it cannot read or what is too small', () => {
    expect(parseByteSize('1000000')).toBe(1e6);
    expect(parseByteSize('1.5 KiB')).toBe(1536);
    expect(parseAgeSeconds('90m')).toBe(5400);
    expect(parseAgeSeconds('2d')).toBe(172_800);
    for (const bad of ['', 'lots', '-1', '5 parsecs']) expect(() => parseByteSize(bad)).toThrow(SpoolSettingsError);
    for (const bad of ['', 'soon', '1w']) expect(() => parseAgeSeconds(bad)).toThrow(SpoolSettingsError);
    expect(() => spoolSettings({ 'spool-max-bytes': '10k' }, {}, '/s')).toThrow(/under 1 MiB/);
    expect(() => spoolSettings({ 'spool-max-age': '0' }, {}, '/s')).toThrow(/at least 1 s/);
    expect(() => spoolSettings({ 'spool-fsync-ms': 'often' }, {}, '/s')).toThrow(SpoolSettingsError);
  });
});
