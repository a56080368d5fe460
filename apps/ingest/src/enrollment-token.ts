import { randomBytes } from 'node:crypto';
import { formatEnrollmentToken, hashEnrollmentSecret } from '@bathyscope/wire';

/**
 * A new enrollment token `bset_<prefix>_<secret>` (the control plane creates it, the gateway redeems it): the
 * 12-character prefix finds the row, only the sha256 of the 32-byte secret is stored.
 */
export function newEnrollmentToken(): { prefix: string; secretHash: string; token: string } {
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secretHash: hashEnrollmentSecret(secret), token: formatEnrollmentToken(prefix, secret) };
}
