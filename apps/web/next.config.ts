import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

// The app lives in an npm workspace; the lockfile and node_modules sit at the monorepo root.
const monorepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const nextConfig: NextConfig = {
  // /graphql is proxied by a Route Handler (app/graphql/route.ts), not a rewrite: rewrites are
  // fixed at build time, while API_URL is only known when `next start` runs.
  poweredByHeader: false,
  reactStrictMode: true,
  // `next dev` blocks its dev resources for origins other than localhost; tests and the API's
  // docs use 127.0.0.1.
  allowedDevOrigins: ['127.0.0.1'],
  turbopack: { root: monorepoRoot },
  outputFileTracingRoot: monorepoRoot,
};

export default nextConfig;
