import { defineConfig } from 'vitest/config';

// npm run test:package: the package as a user gets it (npm pack, then npm install into a new project).
// Its own config: it needs no test server (it runs the project's embedded default) and takes minutes.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
