import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '@bathyscope/db';
import { newEnrollmentToken } from '@bathyscope/ingest';
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

/**
 * Registers an agent with a static `bsa_` secret, without enrollment. Tests use it to get many agents cheaply;
 * the product's agents enroll with a token (provisionEnrollmentToken).
 */
export async function provisionAgent(prisma: PrismaClient, tenantId: number, name: string): Promise<ProvisionedAgent> {
  const secret = randomBytes(32).toString('base64url');
  const agent = await prisma.agent.create({
    data: { tenantId, name, secretHash: createHash('sha256').update(secret).digest('hex') },
    select: { id: true },
  });
  return { agentId: agent.id, tenantId, token: `bsa_${agent.id}_${secret}` };
}

/**
 * A single-use enrollment token for the tenant's agent group `group` (created when missing), valid for an hour —
 * what `npm start` hands its local agent so it enrolls exactly like an installed one. `createdById` is the
 * tenant's owner (the audit log shows who the token acts for).
 */
export async function provisionEnrollmentToken(
  prisma: PrismaClient,
  input: { tenantId: number; createdById: string; name: string; group: string },
): Promise<string> {
  const group = await prisma.agentGroup.upsert({
    where: { tenantId_name: { tenantId: input.tenantId, name: input.group } },
    update: {},
    create: { tenantId: input.tenantId, name: input.group, description: 'Agents started by npm start on this machine' },
    select: { id: true },
  });
  const { prefix, secretHash, token } = newEnrollmentToken();
  await prisma.enrollmentToken.create({
    data: {
      tenantId: input.tenantId,
      name: input.name,
      groupId: group.id,
      prefix,
      secretHash,
      expiresAt: new Date(Date.now() + 60 * 60 * 1000),
      maxUses: 1,
      createdById: input.createdById,
    },
  });
  return token;
}
