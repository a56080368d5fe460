import { defineConfig } from 'vitest/config';

// Unit specs colocated with the code they test. The root config's `unit` project only globs
// `apps/*/src/**`, and this app follows the Next.js layout (app/, lib/, modules/) instead.
export default defineConfig({
  test: {
    name: 'web',
    include: ['{app,lib,modules}/**/*.spec.{ts,tsx}'],
    exclude: ['**/node_modules/**', '.next/**'],
  },
});
