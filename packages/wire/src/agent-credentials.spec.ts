import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AgentAccessClaims,
  agentTokenRequestMessage,
  formatEnrollmentToken,
  parseEnrollmentToken,
  signAgentAccessToken,
  verifyAgentAccessToken,
} from './agent-credentials';

const KEY = randomBytes(32);
const NOW = 1_795_000_000_000;
const id = fc.integer({ min: 1, max: 0xffffffff });
const claimsArb: fc.Arbitrary<AgentAccessClaims> = fc.record({
  a: id,
  t: id,
  exp: fc.integer({ min: NOW / 1000 + 1, max: NOW / 1000 + 10 * ACCESS_TOKEN_TTL_SECONDS }),
});
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('agent access tokens', () => {
  it('round-trips any claims', () => {
    fc.assert(
      fc.property(claimsArb, (claims) => {
        const token = signAgentAccessToken(claims, KEY);
        expect(token).toMatch(/^bsat\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
        expect(verifyAgentAccessToken(token, KEY, NOW)).toEqual({ ok: true, claims });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any change to a token: one character replaced, inserted or removed anywhere', () => {
    fc.assert(
      fc.property(
        claimsArb,
        fc.nat(),
        fc.constantFrom(...B64URL, '.', '=', ' '),
        fc.constantFrom('replace', 'insert', 'remove'),
        (claims, at, ch, op) => {
          const token = signAgentAccessToken(claims, KEY);
          const i = at % token.length;
          let tampered: string;
          if (op === 'replace') tampered = token.slice(0, i) + ch + token.slice(i + 1);
          else if (op === 'insert') tampered = token.slice(0, i) + ch + token.slice(i);
          else tampered = token.slice(0, i) + token.slice(i + 1);
          fc.pre(tampered !== token);
          expect(verifyAgentAccessToken(tampered, KEY, NOW).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses a mac whose last character differs only in bits base64url decoding ignores', () => {
    const token = signAgentAccessToken({ a: 7, t: 9, exp: NOW / 1000 + 60 }, KEY);
    const last = B64URL.indexOf(token.at(-1) as string);
    for (const v of [last ^ 1, last ^ 2, last ^ 3]) {
      const twin = token.slice(0, -1) + B64URL[v];
      expect(Buffer.from(twin.split('.')[2] as string, 'base64url')).toEqual(
        Buffer.from(token.split('.')[2] as string, 'base64url'),
      );
      expect(verifyAgentAccessToken(twin, KEY, NOW)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    }
  });

  it('refuses tokens signed with another key, and claims re-signed by an attacker', () => {
    fc.assert(
      fc.property(claimsArb, id, (claims, otherTenant) => {
        const forged = signAgentAccessToken(claims, randomBytes(32));
        expect(verifyAgentAccessToken(forged, KEY, NOW)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
        // Swapping the payload of a valid token for other claims keeps the old mac: refused.
        const [, , mac] = signAgentAccessToken(claims, KEY).split('.');
        const payload = Buffer.from(JSON.stringify({ ...claims, t: otherTenant })).toString('base64url');
        fc.pre(otherTenant !== claims.t);
        expect(verifyAgentAccessToken(`bsat.${payload}.${mac}`, KEY, NOW).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses expired tokens', () => {
    const token = signAgentAccessToken({ a: 1, t: 2, exp: NOW / 1000 }, KEY);
    expect(verifyAgentAccessToken(token, KEY, NOW)).toEqual({ ok: false, reason: 'EXPIRED' });
    expect(verifyAgentAccessToken(token, KEY, NOW - 1).ok).toBe(true);
  });

  it('refuses well-signed payloads that are not exactly {a, t, exp}', () => {
    const sign = (json: string) => {
      const payload = Buffer.from(json).toString('base64url');
      const mac = createHmac('sha256', KEY).update(`bsat.${payload}`).digest('base64url');
      return `bsat.${payload}.${mac}`;
    };
    const exp = NOW / 1000 + 60;
    for (const json of [
      'null',
      '[]',
      '"x"',
      '{',
      JSON.stringify({ a: 1, t: 2 }),
      JSON.stringify({ a: 0, t: 2, exp }),
      JSON.stringify({ a: 1, t: -2, exp }),
      JSON.stringify({ a: 1.5, t: 2, exp }),
      JSON.stringify({ a: '1', t: 2, exp }),
      JSON.stringify({ a: 2 ** 32, t: 2, exp }),
      JSON.stringify({ a: 1, t: 2, exp, admin: true }),
    ]) {
      expect(verifyAgentAccessToken(sign(json), KEY, NOW), json).toEqual({ ok: false, reason: 'MALFORMED' });
    }
    expect(verifyAgentAccessToken(sign(JSON.stringify({ a: 1, t: 2, exp })), KEY, NOW).ok).toBe(true);
  });

  it('answers any garbage with a clean refusal, never an exception', () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc
        .tuple(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 300 }), fc.string({ maxLength: 60 }))
        .map(([p, m]) => `bsat.${p}.${m}`),
      fc
        .tuple(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 300 }))
        .map(([p]) => `bsat.${p}.${'A'.repeat(43)}`),
    );
    fc.assert(
      fc.property(garbage, (g) => {
        const verdict = verifyAgentAccessToken(g, KEY, NOW);
        expect(verdict.ok).toBe(false);
      }),
      { numRuns: 3000 },
    );
    for (const g of [undefined, null, 42, {}] as unknown[]) {
      expect(verifyAgentAccessToken(g as string, KEY, NOW)).toEqual({ ok: false, reason: 'MALFORMED' });
    }
  });

  it('refuses to sign claims that are not ids', () => {
    expect(() => signAgentAccessToken({ a: 0, t: 1, exp: 1 }, KEY)).toThrow(RangeError);
    expect(() => signAgentAccessToken({ a: 1, t: Number.NaN, exp: 1 }, KEY)).toThrow(RangeError);
  });
});

describe('enrollment tokens and signed messages', () => {
  it('parses what it formats and nothing else', () => {
    const prefix = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
      minLength: 12,
      maxLength: 12,
    });
    const secret = fc.string({ unit: fc.constantFrom(...B64URL), minLength: 43, maxLength: 43 });
    fc.assert(
      fc.property(prefix, secret, (p, s) => {
        expect(parseEnrollmentToken(formatEnrollmentToken(p, s))).toEqual({ prefix: p, secret: s });
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (g) => {
        const parsed = parseEnrollmentToken(g);
        if (parsed) expect(formatEnrollmentToken(parsed.prefix, parsed.secret)).toBe(g);
      }),
    );
    expect(parseEnrollmentToken(`bset_${'a'.repeat(12)}_${'b'.repeat(42)}`)).toBeNull();
    expect(parseEnrollmentToken(`bsk_${'a'.repeat(12)}_${'b'.repeat(43)}`)).toBeNull();
  });

  it('binds the signed message to the agent and the timestamp', () => {
    expect(agentTokenRequestMessage(12, 1700000000123)).toBe('bathyscope-agent-token:12:1700000000123');
  });
});
