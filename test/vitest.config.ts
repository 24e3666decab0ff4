import { defineConfig } from 'vitest/config';

// End-to-end tests start real processes and servers: one file at a time keeps the 2-core machine calm.
export default defineConfig({
  test: { include: ['e2e/**/*.test.ts'], fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 },
});
