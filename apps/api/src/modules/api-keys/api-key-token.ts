import { createHash, randomBytes } from 'node:crypto';

/** API keys look like `bsk_<prefix>_<secret>`: the prefix finds the row, the secret is checked by hash. */
const TOKEN_RE = /^bsk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function newApiKeyToken(): { prefix: string; secret: string; token: string } {
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secret, token: `bsk_${prefix}_${secret}` };
}

export function parseApiKeyToken(token: string): { prefix: string; secret: string } | null {
  const m = TOKEN_RE.exec(token);
  return m ? { prefix: m[1] as string, secret: m[2] as string } : null;
}

/** 32 random bytes need no slow hash: sha256 is enough and keeps per-request checks cheap. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
