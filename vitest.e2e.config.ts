import { defineConfig } from 'vitest/config';

// End-to-end tests: the real renderer in Debian Chromium (playwright-core) against the browser host.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
