import { defineConfig } from 'vitest/config';

// Unit and integration tests (Node). End-to-end tests live in vitest.e2e.config.ts.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two test files at a time on the 2-core CI machine (vitest's default there is one): most integration files wait on
    // ffmpeg, model processes and SQLite rather than compute. Measured on a fresh clone: 483 s with one, 343 s with two,
    // the same 821 tests passing.
    maxWorkers: 2,
    // One CPU thread per model process: the tests run model processes side by side on 2 cores (the app's default
    // is one thread per math core; electron/inference/engines/local-engine.ts threadCount).
    env: { WORKSTATION_THREADS: '1' },
  },
});
