import { defineConfig } from 'vitest/config';

// Two tiers: fast colocated unit/property specs, and end-to-end suites in tests/ that run one file at a
// time against the real stack (Postgres, Redis, chDB, eBPF, Chromium).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'apps/*/src/**/*.spec.ts',
            'apps/web/{app,lib,modules}/**/*.spec.ts',
            'packages/*/src/**/*.spec.ts',
            'native/lib/**/*.spec.ts',
          ],
          exclude: [
            'native/lib/socket-tracer.spec.ts',
            'native/lib/socket-tracer-cycles.spec.ts',
            'native/lib/sanitizer.spec.ts',
            '**/node_modules/**',
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'system',
          include: [
            'tests/**/*.spec.ts',
            'native/lib/socket-tracer.spec.ts',
            'native/lib/socket-tracer-cycles.spec.ts',
            'native/lib/sanitizer.spec.ts',
          ],
          fileParallelism: false,
          globalSetup: ['tests/kit/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
