import { defineConfig } from 'vitest/config';

// Unit and integration tests (Node). End-to-end tests live in vitest.e2e.config.ts.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // One CPU thread per model process: the tests run model processes side by side on 2 cores (the app's default
    // is one thread per math core; electron/inference/engines/local-engine.ts threadCount).
    env: { WORKSTATION_THREADS: '1' },
  },
});
