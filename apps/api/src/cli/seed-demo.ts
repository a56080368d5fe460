import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@bathyscope/config';
import { createPrismaClient } from '@bathyscope/db';
import { provisionAgent, provisionTenant } from './provision.js';

/**
 * Seeds the demo tenant, its admin and the local agent's credential. Idempotent: a second run keeps the
 * tenant, the password and the agent recorded in the state directory.
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

    let agentOk = false;
    if (fs.existsSync(agentFile)) {
      const a = JSON.parse(fs.readFileSync(agentFile, 'utf8')) as { agentId: number; tenantId: number };
      const row = await prisma.agent.findUnique({
        where: { id: a.agentId },
        select: { tenantId: true, revokedAt: true },
      });
      agentOk = row !== null && row.tenantId === tenant.tenantId && row.revokedAt === null;
    }
    if (!agentOk) {
      const agent = await provisionAgent(prisma, tenant.tenantId, `local-${os.hostname()}`);
      fs.mkdirSync(path.dirname(agentFile), { recursive: true });
      fs.writeFileSync(agentFile, `${JSON.stringify(agent, null, 2)}\n`, { mode: 0o600 });
    }
    console.log(JSON.stringify({ email: saved?.email, password: saved?.password, tenant: tenant.slug }));
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err) => {
  console.error(`seed failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
