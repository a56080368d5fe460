import { createHash, randomBytes } from 'node:crypto';
import { testPrisma } from './fixtures';

/**
 * An API key written the way the API's ApiKeysService stores it (`bsk_<prefix>_<secret>`, sha256 of the secret),
 * for tests of paths that accept API keys outside GraphQL (the ingest gateway's OTLP and remote_write routes).
 */
export async function createApiKey(
  tenantId: number,
  createdById: string,
  role: 'viewer' | 'editor' | 'admin' | 'owner',
  state: { revoked?: boolean; expiresAt?: Date } = {},
): Promise<string> {
  const prefix = randomBytes(9).toString('hex').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  await testPrisma().apiKey.create({
    data: {
      tenantId,
      createdById,
      name: `test-${role}-${prefix}`,
      prefix,
      secretHash: createHash('sha256').update(secret).digest('hex'),
      role,
      ...(state.revoked ? { revokedAt: new Date() } : {}),
      ...(state.expiresAt ? { expiresAt: state.expiresAt } : {}),
    },
  });
  return `bsk_${prefix}_${secret}`;
}
