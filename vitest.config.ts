import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // One fast-check seed per run (test/fc-seed.ts): the property tests are reproducible.
    setupFiles: ['test/fc-seed.ts'],
  },
});
