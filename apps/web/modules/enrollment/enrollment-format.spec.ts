import { describe, expect, it } from 'vitest';
import {
  downloadHref,
  expiresAtFor,
  MAX_TOKEN_USES,
  maskedToken,
  maxUsesFromInput,
  TOKEN_LIFETIMES,
  tokenNameError,
  tokenStatusLabel,
  tokenStatusTone,
  tokenUses,
} from './enrollment-format';

describe('token status', () => {
  it('labels and colours each status', () => {
    expect(['ACTIVE', 'EXPIRED', 'USED_UP', 'REVOKED'].map((s) => [tokenStatusLabel(s), tokenStatusTone(s)])).toEqual([
      ['Active', 'ok'],
      ['Expired', 'warning'],
      ['Used up', 'warning'],
      ['Revoked', 'inactive'],
    ]);
    expect(tokenStatusLabel('PAUSED_FOR_NOW')).toBe('paused for now');
    expect(tokenStatusTone('PAUSED_FOR_NOW')).toBe('inactive');
  });

  it('shows uses against the limit, and the token by its prefix', () => {
    expect(tokenUses({ uses: 2, maxUses: 10 })).toBe('2 / 10');
    expect(tokenUses({ uses: 0, maxUses: null })).toBe('0 / ∞');
    expect(maskedToken('abc123def456')).toBe('bset_abc123def456_…');
  });
});

describe('add-agent form checks', () => {
  it('accepts the names the API accepts and explains the others', () => {
    for (const name of ['web servers', 'eu-west_1.k8s', 'Überwachung']) expect(tokenNameError(name), name).toBeNull();
    expect(tokenNameError(' ')).toMatch(/Give the token a name/);
    expect(tokenNameError('a/b')).toMatch(/letters, digits/);
    expect(tokenNameError('t'.repeat(101))).toBe('Use at most 100 characters.');
  });

  it('reads max uses: empty is unlimited, else a whole number in the API range', () => {
    expect(maxUsesFromInput('')).toEqual({ ok: true, maxUses: undefined });
    expect(maxUsesFromInput(' 25 ')).toEqual({ ok: true, maxUses: 25 });
    expect(maxUsesFromInput(String(MAX_TOKEN_USES))).toEqual({ ok: true, maxUses: MAX_TOKEN_USES });
    for (const bad of ['0', '-1', '2.5', 'ten', String(MAX_TOKEN_USES + 1)]) {
      expect(maxUsesFromInput(bad).ok, bad).toBe(false);
    }
  });

  it('turns a lifetime into an expiry the API accepts (at most 30 days away)', () => {
    const now = new Date('2025-06-10T12:00:00.000Z');
    expect(expiresAtFor('1h', now)).toBe('2025-06-10T13:00:00.000Z');
    expect(expiresAtFor('7d', now)).toBe('2025-06-17T12:00:00.000Z');
    const longest = new Date(expiresAtFor('30d', now)).getTime() - now.getTime();
    expect(longest).toBeLessThan(30 * 86_400_000);
    expect(longest).toBeGreaterThan(29.9 * 86_400_000);
    // Anything unknown falls back to the default week rather than to no expiry.
    expect(expiresAtFor('forever', now)).toBe('2025-06-17T12:00:00.000Z');
    expect(TOKEN_LIFETIMES.map((choice) => choice.label)).toEqual(['1 hour', '1 day', '7 days', '30 days']);
  });

  it('downloads a manifest as a data URL that decodes to the same text', () => {
    const yaml = 'apiVersion: v1\nkind: Secret # token: bset_x_y&z=1\n';
    const href = downloadHref(yaml);
    expect(href.startsWith('data:application/yaml;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(href.slice(href.indexOf(',') + 1))).toBe(yaml);
  });
});
