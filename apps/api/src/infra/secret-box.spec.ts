import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secret-box-'));
  const box = new SecretBox(dir, {});

  it('round-trips any text and never stores it in the clear', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4 }), (s) => {
        const sealed = box.seal(s);
        expect(box.open(sealed)).toBe(s);
        expect(sealed).not.toContain(s);
      }),
    );
  });

  it('keeps the key across instances and refuses tampered or foreign ciphertext', () => {
    const sealed = box.seal('client-secret');
    expect(new SecretBox(dir, {}).open(sealed)).toBe('client-secret');
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(() => box.open(tampered)).toThrow();
    expect(() => new SecretBox(fs.mkdtempSync(path.join(os.tmpdir(), 'other-')), {}).open(sealed)).toThrow();
    expect(() => box.open('garbage')).toThrow('not a sealed secret');
  });
});
