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
    // One CPU thread per model process: the tests run model processes side by side on 2 cores (the app's default
    // is one thread per math core; electron/inference/engines/local-engine.ts threadCount).
    env: { WORKSTATION_THREADS: '1' },
  },
});
