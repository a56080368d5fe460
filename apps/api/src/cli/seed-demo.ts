import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@bathyscope/config';
import { createPrismaClient } from '@bathyscope/db';
import { provisionEnrollmentToken, provisionTenant } from './provision.js';

/**
 * Seeds the demo tenant and its admin, and — when this machine's agent is not enrolled in it yet — writes a
 * single-use enrollment token to `<state>/agent/enrollment.token` (0600) for `npm start` to enroll the local
 * agent with, exactly as an installed agent enrolls. Idempotent: a second run keeps the tenant, the password and
 * the enrolled agent.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set');
  const prisma = createPrismaClient(config.databaseUrl, 2);
  try {
    const credsFile = path.join(config.stateDir, 'demo-credentials.json');
    const agentFile = path.join(config.stateDir, 'agent', 'credentials.json');
    const email = 'demo@bathyscope.local';
    let saved: { email: string; password: string; tenant: string } | undefined;
    if (fs.existsSync(credsFile)) saved = JSON.parse(fs.readFileSync(credsFile, 'utf8'));
    const userExists = (await prisma.user.findUnique({ where: { email }, select: { id: true } })) !== null;
    // A password is only (re)set when we cannot show the user the one already in force.
    const password = saved && userExists ? undefined : randomBytes(12).toString('base64url');
    const tenant = await provisionTenant(prisma, { slug: 'demo', name: 'Demo', email, password });
    if (password) {
      saved = { email, password, tenant: tenant.slug };
      fs.mkdirSync(path.dirname(credsFile), { recursive: true });
      fs.writeFileSync(credsFile, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    }

    const agentDir = path.join(config.stateDir, 'agent');
    const tokenFile = path.join(agentDir, 'enrollment.token');
    let enrolled = false;
    if (fs.existsSync(agentFile) && fs.existsSync(path.join(agentDir, 'key.pem'))) {
      const a = JSON.parse(fs.readFileSync(agentFile, 'utf8')) as { agentId?: number };
      const row =
        typeof a.agentId === 'number'
          ? await prisma.agent.findUnique({
              where: { id: a.agentId },
              select: { tenantId: true, revokedAt: true, publicKey: true },
            })
          : null;
      enrolled = row !== null && row.tenantId === tenant.tenantId && row.revokedAt === null && row.publicKey !== null;
    }
    if (!enrolled) {
      const token = await provisionEnrollmentToken(prisma, {
        tenantId: tenant.tenantId,
        createdById: tenant.userId,
        name: `npm start on ${os.hostname()}`,
        group: 'local',
      });
      fs.mkdirSync(agentDir, { recursive: true });
      fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    } else {
      fs.rmSync(tokenFile, { force: true });
    }
    console.log(
      JSON.stringify({ email: saved?.email, password: saved?.password, tenant: tenant.slug, agentEnrolled: enrolled }),
    );
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err) => {
  console.error(`seed failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
