import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import { hashPassword } from '../modules/auth/password.js';

export interface ProvisionedTenant {
  tenantId: number;
  slug: string;
  userId: string;
  email: string;
}

/**
 * Creates (or finds) a tenant with an owner. Used by the demo seed and by test fixtures; real sign-up comes
 * with the identity module. `password` is (re)set when given.
 */
export async function provisionTenant(
  prisma: PrismaClient,
  input: { slug: string; name: string; email: string; password?: string; role?: string },
): Promise<ProvisionedTenant> {
  const tenant = await prisma.tenant.upsert({
    where: { slug: input.slug },
    update: {},
    create: { slug: input.slug, name: input.name },
    select: { id: true, slug: true },
  });
  const email = input.email.toLowerCase();
  const existing = await prisma.user.findUnique({ where: { email }, select: { id: true } });
  let userId: string;
  if (existing) {
    userId = existing.id;
    if (input.password) {
      await prisma.user.update({ where: { id: userId }, data: { passwordHash: await hashPassword(input.password) } });
    }
  } else {
    const password = input.password ?? randomBytes(24).toString('base64url');
    const user = await prisma.user.create({
      data: { email, passwordHash: await hashPassword(password) },
      select: { id: true },
    });
    userId = user.id;
  }
  await prisma.membership.upsert({
    where: { tenantId_userId: { tenantId: tenant.id, userId } },
    update: {},
    create: { tenantId: tenant.id, userId, role: input.role ?? 'owner' },
  });
  return { tenantId: tenant.id, slug: tenant.slug, userId, email };
}

export interface ProvisionedAgent {
  agentId: number;
  tenantId: number;
  /** Shown once; only its sha256 is stored. */
  token: string;
}

/** Registers an agent with a fresh secret. Real enrollment (tokens, key exchange) has its own module later. */
export async function provisionAgent(prisma: PrismaClient, tenantId: number, name: string): Promise<ProvisionedAgent> {
  const secret = randomBytes(32).toString('base64url');
  const agent = await prisma.agent.create({
    data: { tenantId, name, secretHash: createHash('sha256').update(secret).digest('hex') },
    select: { id: true },
  });
  return { agentId: agent.id, tenantId, token: `bsa_${agent.id}_${secret}` };
}
