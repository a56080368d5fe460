import { describe, expect, it } from 'vitest';
import { apiKeyStatus, curlExample, expiryFromDateInput, keyNameError, maskedKey } from './api-key-format';

describe('apiKeyStatus', () => {
  const now = new Date('2025-06-10T12:00:00.000Z');

  it('is active until revoked or past its expiry', () => {
    expect(apiKeyStatus({ revokedAt: null, expiresAt: null }, now)).toBe('active');
    expect(apiKeyStatus({ revokedAt: null, expiresAt: '2025-06-10T12:00:01.000Z' }, now)).toBe('active');
    expect(apiKeyStatus({ revokedAt: null, expiresAt: '2025-06-10T12:00:00.000Z' }, now)).toBe('expired');
    expect(apiKeyStatus({ revokedAt: '2025-06-09T08:00:00.000Z', expiresAt: null }, now)).toBe('revoked');
  });

  it('calls a revoked key revoked even after it would have expired', () => {
    expect(apiKeyStatus({ revokedAt: '2025-06-01T00:00:00.000Z', expiresAt: '2025-06-02T00:00:00.000Z' }, now)).toBe(
      'revoked',
    );
  });
});

describe('keyNameError', () => {
  it('accepts the names the API accepts', () => {
    for (const name of ['ci', 'GitHub Actions deploy', 'grafana_v2.1', 'Überwachung-1']) {
      expect(keyNameError(name), name).toBeNull();
    }
  });

  it('explains what is wrong otherwise', () => {
    expect(keyNameError('  ')).toMatch(/Give the key a name/);
    expect(keyNameError('ci/cd')).toMatch(/letters, digits/);
    expect(keyNameError('k'.repeat(101))).toBe('Use at most 100 characters.');
  });
});

describe('expiryFromDateInput', () => {
  const now = new Date(2025, 5, 10, 15, 30);

  it('means never when empty', () => {
    expect(expiryFromDateInput('', now)).toEqual({ ok: true, expiresAt: undefined });
  });

  it('ends the key at the end of the chosen local day', () => {
    expect(expiryFromDateInput('2025-06-10', now)).toEqual({
      ok: true,
      expiresAt: new Date(2025, 5, 10, 23, 59, 59, 999).toISOString(),
    });
    expect(expiryFromDateInput('2026-01-31', now)).toEqual({
      ok: true,
      expiresAt: new Date(2026, 0, 31, 23, 59, 59, 999).toISOString(),
    });
  });

  it('refuses past days and non-dates', () => {
    expect(expiryFromDateInput('2025-06-09', now)).toEqual({ ok: false, message: 'Choose today or a later date.' });
    expect(expiryFromDateInput('2025-02-30', now).ok).toBe(false);
  });
});

describe('display', () => {
  it('masks the key down to its prefix', () => {
    expect(maskedKey('3fa9c0d1e2b4')).toBe('bsk_3fa9c0d1e2b4_…');
  });

  it('writes a curl call against the console origin', () => {
    expect(curlExample('https://console.example.com/', 'bsk_abc_SECRET')).toBe(
      [
        "curl -s 'https://console.example.com/graphql' \\",
        "  -H 'Authorization: Bearer bsk_abc_SECRET' \\",
        "  -H 'Content-Type: application/json' \\",
        `  -d '{"query":"{ me { role tenant { slug } } }"}'`,
      ].join('\n'),
    );
  });
});
