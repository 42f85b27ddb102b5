import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL server for the whole run; each test file gets its own database on it.
    globalSetup: ['test/support/global-setup.ts'],
    // Generous limits: these tests start real servers and processes on shared, noisy machines.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
