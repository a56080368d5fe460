import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// The native schema engine cannot be downloaded here, so migrations run on the JS engine through the pg
// adapter. Discrete connection fields are required: a connection string would override the shadow db name.
function pgFields(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, '') || 'postgres',
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () =>
    new PrismaPg(pgFields(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/bathyscope')),
});
