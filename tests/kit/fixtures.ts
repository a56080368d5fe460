import { randomBytes } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@bathyscope/db';

let prisma: PrismaClient | undefined;

export function testPrisma(): PrismaClient {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  prisma ??= createPrismaClient(process.env.DATABASE_URL, 2);
  return prisma;
}

export function uniqueSlug(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A tenant with an owner whose password the test knows, and an agent credential. */
export async function createTenantWithAgent(prefix: string) {
  const { provisionAgent, provisionTenant } = await import('@bathyscope/api/provision');
  const slug = uniqueSlug(prefix);
  const password = randomBytes(12).toString('base64url');
  const tenant = await provisionTenant(testPrisma(), { slug, name: slug, email: `${slug}@example.test`, password });
  const agent = await provisionAgent(testPrisma(), tenant.tenantId, `${slug}-agent`);
  return { ...tenant, password, agent };
}
